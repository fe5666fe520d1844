"""Cash sales: recorded at the stall in two taps (or imported from surveys), so the cashless share can be measured."""
