import warnings


def check_year(year: int) -> int:
    warnings.warn("check_year will become strict about types", UserWarning, stacklevel=2)
    if not 1450 <= year <= 2100:
        raise ValueError(f"{year} is not a plausible publication year")
    return year
