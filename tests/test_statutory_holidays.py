"""The statutory holidays estimated from 《全国年节及纪念日放假办法》, checked against every
schedule the State Council published from 2008 on (as the chinesecalendar package holds them)."""
from collections import defaultdict
from datetime import date

import chinese_calendar
import pytest

from proxy_service.calendar import statutory_holidays as law

PUBLISHED = range(2008, 2027)     # the package's years under the texts of 2007, 2013 and 2024
PACKAGE_NAMES = {"New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
                 "Labour Day": "劳动节", "Dragon Boat Festival": "端午节",
                 "Mid-autumn Festival": "中秋节", "National Day": "国庆节"}


def _days(year, name):
    return next(holiday.days for holiday in law.statutory_holidays(year) if holiday.name == name)


@pytest.mark.parametrize("year, spring, labour", [
    (2013, [date(2013, 2, 9), date(2013, 2, 10), date(2013, 2, 11)], [date(2013, 5, 1)]),  # 除夕–初二
    (2014, [date(2014, 1, 31), date(2014, 2, 1), date(2014, 2, 2)], [date(2014, 5, 1)]),   # 初一–初三
    (2025, [date(2025, 1, 28), date(2025, 1, 29), date(2025, 1, 30), date(2025, 1, 31)],   # 除夕–初三
     [date(2025, 5, 1), date(2025, 5, 2)]),
    (2031, [date(2031, 1, 22), date(2031, 1, 23), date(2031, 1, 24), date(2031, 1, 25)],   # 腊月廿九
     [date(2031, 5, 1), date(2031, 5, 2)]),
])
def test_each_year_gets_the_text_in_force(year, spring, labour):
    assert list(_days(year, "春节")) == spring
    assert list(_days(year, "劳动节")) == labour
    assert list(_days(year, "国庆节")) == [date(year, 10, d) for d in (1, 2, 3)]


def test_no_estimate_before_the_lunar_festivals_were_holidays():
    assert law.statutory_holidays(2007) == () and law.estimate(2007) == ()


def test_qingming_is_the_solar_term_the_package_gives():
    for year in range(2008, 2100):
        terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 10))
        assert [day for day, name in terms if name == "清明"] == list(_days(year, "清明节")), year


def test_every_estimated_day_was_a_rest_day():
    """Every statutory day and 补假 estimated for 2008–2026 is a rest day in the published
    schedule, but one: in 2012 the State Council put 端午's 补假 (端午 on a Saturday) on the
    Friday before, where every other year's 补假 follows its holiday."""
    worked = [estimated.day for year in PUBLISHED for estimated in law.estimate(year)
              if chinese_calendar.is_workday(estimated.day)]
    assert worked == [date(2012, 6, 25)]


def test_every_published_holiday_has_an_estimated_day():
    """The exceptions: 2012's 端午 (above) and 2015's one-off 抗战胜利70周年纪念日, decided on
    its own and not under the 放假办法."""
    published = defaultdict(set)
    for day, name in chinese_calendar.constants.holidays.items():
        published[day.year, PACKAGE_NAMES.get(name, name)].add(day)
    estimated = defaultdict(set)
    for year in PUBLISHED:
        for guess in law.estimate(year):
            for name in guess.holidays:
                estimated[year, name].add(guess.day)
    unmatched = sorted(key for key, days in published.items()
                       if key[0] in PUBLISHED and not days & estimated[key])
    assert unmatched == [(2012, "端午节"), (2015, "Anti-Fascist 70th Day")]
    assert {name for _year, name in published} - {"Anti-Fascist 70th Day"} == set(law.LABELS)


def test_2027_before_its_schedule_is_published():
    # 元旦 Friday; 春节 除夕 02-05 (Fri) to 初三 02-08 (Mon), Saturday and Sunday owe 02-09, 02-10;
    # 劳动节 on a weekend owes 05-03, 05-04; 国庆 10-02 and 10-03 on a weekend owe 10-04, 10-05.
    rows = [(guess.day, guess.name) for guess in law.rest_rows(2027)]
    assert rows == [
        (date(2027, 1, 1), "元旦"), (date(2027, 2, 5), "春节"), (date(2027, 2, 8), "春节"),
        (date(2027, 2, 9), "春节补假"), (date(2027, 2, 10), "春节补假"), (date(2027, 4, 5), "清明节"),
        (date(2027, 5, 3), "劳动节补假"), (date(2027, 5, 4), "劳动节补假"),
        (date(2027, 6, 9), "端午节"), (date(2027, 9, 15), "中秋节"), (date(2027, 10, 1), "国庆节"),
        (date(2027, 10, 4), "国庆节补假"), (date(2027, 10, 5), "国庆节补假")]
    weekend = [guess.day for guess in law.estimate(2027) if guess.day.weekday() >= 5]
    assert date(2027, 2, 6) in weekend and date(2027, 5, 1) in weekend


def test_mid_autumn_on_a_national_day_day_gives_a_day_in_lieu():
    # 2028: 中秋 falls on 10-03, a 国庆 day; 国庆 10-01 is a Sunday. Two 补假 after the block.
    october = [(guess.day, guess.name) for guess in law.rest_rows(2028) if guess.day.month == 10]
    assert october == [(date(2028, 10, 2), "国庆节"), (date(2028, 10, 3), "国庆节、中秋节"),
                       (date(2028, 10, 4), "国庆节补假"), (date(2028, 10, 5), "中秋节补假")]


def test_mid_autumn_a_week_before_national_day_takes_its_day_in_lieu_after_it():
    # 2015: 中秋 on Sunday 09-27; the State Council gave its 补假 after 国庆 (10-01..07).
    autumn = [(guess.day, guess.name) for guess in law.estimate(2015)
              if guess.in_lieu and guess.day.month >= 9]
    assert autumn == [(date(2015, 10, 5), "中秋节补假"), (date(2015, 10, 6), "国庆节补假")]
