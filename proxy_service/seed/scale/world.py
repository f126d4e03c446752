"""The fixed parts of the `flask seed-scale` world: the calendar precomputed once, and the
names of centers, staff and enterprises (deterministic from their numbers)."""
from datetime import date, timedelta
from itertools import accumulate

from proxy_service.calendar import workdays
from proxy_service.core.identifiers import uscc_check_char

CENTER_COUNT = 20
AGENTS_PER_CENTER = 10
ZONES = ("晋中开发区", "阳曲产业园区", "太原武宿综合保税区", "潇河产业园区", "大同经济技术开发区",
         "长治高新技术产业开发区", "晋城经济技术开发区", "运城经济技术开发区", "临汾经济开发区",
         "忻州经济开发区", "朔州经济开发区", "吕梁经济技术开发区", "阳泉经济技术开发区",
         "太原不锈钢产业园区", "清徐经济开发区", "介休经济技术开发区", "孝义经济开发区",
         "侯马经济开发区", "原平经济技术开发区", "怀仁经济技术开发区")
REGION_CODES = ("140702", "140122", "140105", "140702", "140213", "140404", "140502", "140802",
                "141002", "140902", "140602", "141102", "140302", "140108", "140121", "140781",
                "141181", "141081", "140981", "140624")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = ("伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
         "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "志刚", "晓东", "海峰", "文斌", "立新",
         "国梁", "婷", "浩", "帆", "鹏", "慧", "宇", "欣怡", "子涵", "俊杰", "佳琪")
BRANDS = ("绿碳", "华晟", "康瑞", "晋能", "汇通", "潇河", "鼎盛", "宏远", "恒达", "金泰", "瑞丰",
          "中晋", "佳禾", "德润", "合创", "聚源", "凯捷", "宝利", "东方", "博瑞", "天成", "新锐",
          "卓越", "启明", "盛世", "同力", "远景", "国泰", "华润", "鑫源", "中科", "长城", "泰和",
          "明阳", "富达", "兴业", "永固", "安泰", "嘉禾", "瑞达")
TRADES = ("环保科技", "光伏科技", "生物医药", "新材料", "机械制造", "现代物流", "食品", "电子科技",
          "汽车零部件", "新能源", "精密铸造", "化工", "建材", "信息技术", "装备制造")
PLACES = ("山西", "晋中", "太原", "大同", "长治", "晋城", "运城", "临汾", "忻州", "吕梁")
PRODUCTS = ("年产10万吨生物可降解材料", "高效光伏组件", "新能源汽车零部件", "智能装备制造基地",
            "冷链物流园", "数据中心", "精密铸件", "绿色建材产业园", "生物医药研发中心", "食品加工厂",
            "锂电池材料", "氢能装备", "标准化厂房", "仓储配送中心", "智能制造产业园")


def person_name(n):
    """A Chinese name for number n (deterministic, spreads over the pools)."""
    return SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES)) % len(GIVEN)]


class Calendar:
    """Working days from `first` to `last` as offsets, with the app's arithmetic
    (workdays.py) answered by table look-ups: a workday index w names the w-th working day.

    add_workdays(wd[w], n) == wd[w + n]; workdays_between(a, b) == cum[b] - cum[a]."""

    def __init__(self, first, last):
        self.first = first
        span = (last - first).days + 1
        self.is_workday = [workdays.is_workday(first + timedelta(days=d)) for d in range(span)]
        self.cum = list(accumulate(self.is_workday))          # workdays with offset <= d
        self.wd = [d for d in range(span) if self.is_workday[d]]
        self.day_text = [(first + timedelta(days=d)).isoformat() for d in range(span)]

    def index_on_or_before(self, day):
        return self.cum[(day - self.first).days] - 1

    def index_after_days(self, w, days):
        """Index of next_workday(wd[w] + days): a calendar-day limit (民法典 art. 203)."""
        return self.cum[self.wd[w] + days] - 1 + (0 if self.is_workday[self.wd[w] + days] else 1)

    def text(self, w):
        """The ISO date of workday index w."""
        return self.day_text[self.wd[w]]

    def date(self, w):
        return self.first + timedelta(days=self.wd[w])


def center_fields(n):
    zone = ZONES[n]
    return dict(name=f"山西转型综合改革示范区{zone}企业服务中心", short_name=f"{zone}企业服务中心",
                zone=f"山西转型综合改革示范区{zone}", number_prefix=f"S{n + 1:02d}",
                person_in_charge=person_name(7 * n + 3), address=f"{zone}政务服务大厅",
                phone=f"0354-30{n:02d}123")


def staff_usernames(n):
    """[(username, role, display name seed)] of center n (0-based): sNN-manager1 everywhere,
    sNN-manager2 in odd-numbered centers, sNN-agent01..10."""
    prefix = f"s{n + 1:02d}"
    people = [(f"{prefix}-manager1", "manager")]
    if n % 2 == 0:
        people.append((f"{prefix}-manager2", "manager"))
    people += [(f"{prefix}-agent{a:02d}", "agent") for a in range(1, AGENTS_PER_CENTER + 1)]
    return people


def enterprise_fields(n, center_index):
    """Name, USCC (with a valid check character), people of enterprise number n (1-based)."""
    brand = BRANDS[n % len(BRANDS)] + BRANDS[(n // len(BRANDS)) % len(BRANDS)][0]
    name = (f"{PLACES[(n // 7) % len(PLACES)]}{brand}{TRADES[(n // 3) % len(TRADES)]}"
            f"有限公司")
    body = f"91{REGION_CODES[center_index]}MA{n:07d}"[:17]
    body = body.replace("I", "1").replace("O", "0")
    return dict(name=name, uscc=body + uscc_check_char(body),
                legal_representative=person_name(n * 3 + 1), contact_person=person_name(n * 5 + 2),
                mobile=f"139{n % 100_000_000:08d}", email=f"contact{n}@example.com",
                address=f"{ZONES[center_index]}创业大街{n % 300 + 1}号")


def history_start(today, years=3):
    return date(today.year - years, today.month, min(today.day, 28))
