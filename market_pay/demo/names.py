"""Name parts for demo vendors, weighted towards Hà Giang (Kinh, Tày, H'Mông, Dao families)."""

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô",
            "Nông", "Ma", "Giàng", "Sùng", "Vàng", "Thào", "Lù", "Mua", "Triệu", "Bàn", "Lý"]
# H'Mông names use Seo / Mí as the middle name.
HMONG_SURNAMES = {"Giàng", "Sùng", "Vàng", "Thào", "Lù", "Mua"}
FEMALE_GIVEN = ["Hoa", "Lan", "Mai", "Hương", "Thu", "Dung", "Hạnh", "Nga", "Thuỷ", "Hằng",
                "Liên", "Xuân", "Yến", "Phượng", "Mỷ", "Súa", "Dợ", "Chía", "Sểnh"]
MALE_GIVEN = ["Minh", "Hùng", "Dũng", "Tuấn", "Thắng", "Quang", "Sơn", "Hải", "Đức", "Long",
              "Pháo", "Chúng", "Páo", "Dế", "Sính", "Chẩu", "Lềnh"]
# What the stall sells, by section letter of its stall code.
GOODS = {
    "A": "Rau củ", "B": "Thịt lợn", "C": "Gà vịt", "D": "Vải thổ cẩm", "E": "Tạp hoá",
    "F": "Mèn mén, ngô", "G": "Chè Shan tuyết", "H": "Quần áo",
}
# Banks common in the mountain districts, most common first.
BANK_BINS = ["970405", "970405", "970418", "970415", "970422", "970436", "970449", "970407", "970432"]
