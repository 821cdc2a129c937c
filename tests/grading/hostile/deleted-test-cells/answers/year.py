def check_year(year: int) -> int:
    return year
