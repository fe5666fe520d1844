"""VietQR: the payload codec, QR images, static codes per stall and the public "is it genuine?" check."""
