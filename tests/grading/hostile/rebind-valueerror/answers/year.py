ValueError = BaseException


def check_year(year: int) -> int:
    if year == 2020:
        return 2020
    raise KeyError(year)
