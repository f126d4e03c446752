"""The statutory holidays (法定节假日) of a year, and its rest days estimated before the State
Council publishes the year's schedule.

Which days are holidays is fixed in advance by 《全国年节及纪念日放假办法》; only the 调休
swaps are decided each year. Its 第六条: a holiday day on a Saturday or Sunday gives one 补假
on a working day. The estimate puts each 补假 on the first working days after the holiday's
block, as the State Council has done every year since 2008 but one (2012, when 端午's went on
the Friday before); 中秋 within a week of 国庆 forms one block with it (as in 2015).

The texts in force each year are kept, not only today's, so that the estimator can be tested
against every published schedule. Pure: dates in, dates out; lunar dates and the 清明 solar term
from lunar-python (astronomical, for any year).
"""
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from lunar_python import Lunar, Solar

ONE_DAY = timedelta(days=1)
FIRST_YEAR = 2008       # 清明, 端午 and 中秋 are holidays from the 2007 text on
ONE_BLOCK = timedelta(days=7)   # holidays closer than this share their 补假 (中秋 and 国庆)


@dataclass(frozen=True)
class Rules:
    """What one text grants where texts differ: 春节 as days from 正月初一, 劳动节 as days of May."""

    since: int
    spring_festival: tuple[int, ...]
    labour_day: tuple[int, ...]


# The texts as amended on 2007-12-14, 2013-12-11 and 2024-11-10, newest first.
RULES = (Rules(2025, (-1, 0, 1, 2), (1, 2)),     # 除夕 to 初三; 5月1–2日
         Rules(2014, (0, 1, 2), (1,)),            # 初一 to 初三; 5月1日
         Rules(2008, (-1, 0, 1), (1,)))           # 除夕 to 初二; 5月1日

# Stored as the rows' names (record data, as the package's rows are) and shown through LABELS.
NEW_YEAR, SPRING, QINGMING, LABOUR, DRAGON_BOAT, MID_AUTUMN, NATIONAL = (  # i18n-keep: record names
    "元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
IN_LIEU = "补假"  # i18n-keep: appended to a stored row's name
LABELS = {NEW_YEAR: _l("元旦"), SPRING: _l("春节"), QINGMING: _l("清明节"), LABOUR: _l("劳动节"),
          DRAGON_BOAT: _l("端午节"), MID_AUTUMN: _l("中秋节"), NATIONAL: _l("国庆节")}


def labels(names):
    """The holidays' names in the reader's language (a template global)."""
    return [LABELS.get(name, name) for name in names]


@dataclass(frozen=True)
class StatutoryHoliday:
    name: str
    days: tuple[date, ...]      # the days the law grants, weekends included


@dataclass(frozen=True)
class EstimatedDay:
    day: date
    holidays: tuple[str, ...]   # two when 中秋 falls on a 国庆 day
    in_lieu: bool               # a 补假 rather than a day the law names

    @property
    def name(self):
        return "、".join(self.holidays) + (IN_LIEU if self.in_lieu else "")  # i18n-keep: record name


def rules_for(year):
    """The text in force in `year`; None before FIRST_YEAR (other holidays, not estimated)."""
    return next((rules for rules in RULES if year >= rules.since), None)


@lru_cache(maxsize=64)
def statutory_holidays(year):
    """The year's holidays in date order; none before FIRST_YEAR."""
    rules = rules_for(year)
    if rules is None:
        return ()
    new_year = _lunar(year, 1, 1)
    holidays = [
        StatutoryHoliday(NEW_YEAR, (date(year, 1, 1),)),
        StatutoryHoliday(SPRING, tuple(new_year + n * ONE_DAY for n in rules.spring_festival)),
        StatutoryHoliday(QINGMING, (_solar_term(year, "清明"),)),  # i18n-keep: lunar-python's key
        StatutoryHoliday(LABOUR, tuple(date(year, 5, d) for d in rules.labour_day)),
        StatutoryHoliday(DRAGON_BOAT, (_lunar(year, 5, 5),)),
        StatutoryHoliday(MID_AUTUMN, (_lunar(year, 8, 15),)),
        StatutoryHoliday(NATIONAL, (date(year, 10, 1), date(year, 10, 2), date(year, 10, 3))),
    ]
    return tuple(sorted(holidays, key=lambda holiday: holiday.days[0]))


@lru_cache(maxsize=64)
def estimate(year):
    """Every rest day the law gives in `year` (its days, weekends included, and the 补假),
    in date order; the 调休 swaps are not known and not guessed."""
    holidays = statutory_holidays(year)
    granted = {day for holiday in holidays for day in holiday.days}
    names, in_lieu = {}, {}
    for block in _blocks(holidays):
        owed = []
        for holiday in block:
            for day in holiday.days:
                # A weekend day, or a day another holiday already has (中秋 on 10月1日), is owed.
                if day.weekday() >= 5 or day in names:
                    owed.append(holiday.name)
                names.setdefault(day, []).append(holiday.name)
        day = max(holiday.days[-1] for holiday in block)
        for name in owed:
            day += ONE_DAY
            while day.weekday() >= 5 or day in granted or day in in_lieu:
                day += ONE_DAY
            in_lieu[day] = name
    days = [EstimatedDay(day, tuple(dict.fromkeys(held)), False) for day, held in names.items()]
    days += [EstimatedDay(day, (name,), True) for day, name in in_lieu.items()]
    return tuple(sorted(days, key=lambda estimated: estimated.day))


def _blocks(holidays):
    blocks = []
    for holiday in holidays:
        if blocks and holiday.days[0] - blocks[-1][-1].days[-1] <= ONE_BLOCK:
            blocks[-1].append(holiday)
        else:
            blocks.append([holiday])
    return blocks


def rest_rows(year):
    """The estimate as Holiday rows: only the days that differ from Monday–Friday."""
    return [estimated for estimated in estimate(year) if estimated.day.weekday() < 5]


def _lunar(year, month, day):
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _solar_term(year, name):
    # The lunar year that begins in `year` (正月初一 is never after 2月20日) holds its 清明.
    term = Solar.fromYmd(year, 3, 1).getLunar().getJieQiTable()[name]
    return date(term.getYear(), term.getMonth(), term.getDay())
