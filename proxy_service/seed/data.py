"""The demo world's centers, staff, enterprises and projects (used by demo.py)."""

from proxy_service.models import Role

CENTERS = (
    dict(name="山西转型综合改革示范区晋中开发区企业服务中心", short_name="晋中开发区企业服务中心",
         zone="山西转型综合改革示范区晋中开发区", number_prefix="JZKFQ", person_in_charge="张志刚",
         address="山西省晋中市榆次区汇通路与迎宾街交汇处开发区政务服务大厅", phone="0354-3061234"),
    dict(name="山西转型综合改革示范区阳曲产业园区企业服务中心", short_name="阳曲产业园区企业服务中心",
         zone="山西转型综合改革示范区阳曲产业园区", number_prefix="YQCYY", person_in_charge="高文斌",
         address="山西省太原市阳曲县大盂镇产业园区管委会服务大厅", phone="0351-7561234"),
)
# (username, role, center index, name, mobile)
STAFF = (
    ("manager", Role.MANAGER, 0, "王建华", "13835410001"),
    ("agent1", Role.AGENT, 0, "刘晓东", "13835410011"), ("agent2", Role.AGENT, 0, "陈静", "13835410012"),
    ("agent3", Role.AGENT, 0, "赵磊", "13835410013"),
    ("manager2", Role.MANAGER, 1, "马丽", "13903510021"),
    ("agent4", Role.AGENT, 1, "杨帆", "13903510031"),
)
# username → enterprise; the USCC's check character is computed from the first 17.
ENTERPRISES = {
    "ent1": dict(name="山西绿碳环保科技有限公司", uscc="91140700MA0K3XYD2", legal_representative="陈国梁",
                 address="山西省晋中市榆次区汇通产业园区汇通路88号", contact_person="李明",
                 mobile="13935412266", email="liming@lvtan.example.com"),
    "ent2": dict(name="山西华晟光伏科技有限公司", uscc="91140700MA0JX8E46", legal_representative="王海峰",
                 address="山西省晋中市榆次区潇河产业园区创业大街16号", contact_person="周婷",
                 mobile="13803541872", email="zhouting@huasheng-pv.example.com"),
    "ent3": dict(name="晋中康瑞生物医药有限公司", uscc="91140700MA0L2B7R5", legal_representative="孙立新",
                 address="山西省晋中市榆次区大学城产业园区文华街9号", contact_person="孙浩",
                 mobile="15935426630", email=""),
}
# key: (owner, center index, name, industry, 万元, 亩, location, content, 标准地, code serial)
PROJECTS = {
    "park": ("ent1", 0, "尚风绿谷碳中和环保科技产业园项目", "新材料", "150000", "320", "晋中开发区汇通产业园区",
             "新建碳中和环保科技研发中心、生物可降解材料生产车间6栋及仓储配套用房，总建筑面积约18.6万平方米，"
             "建成后年产生物可降解材料10万吨。", True, 372615),
    "equipment": ("ent1", 0, "绿碳环保装备制造基地（一期）项目", "高端装备制造", "28000", "85",
                  "晋中开发区潇河产业园区", "新建环保装备生产车间2栋及办公楼，购置数控加工中心、激光切割等设备"
                  "120台（套），年产除尘脱硫成套设备300套。", False, 215408),
    "recycling": ("ent1", 0, "绿碳固废资源化利用示范线项目", "新材料", "9800", "40", "晋中开发区汇通产业园区",
                  "利用园区工业固废建设年处理20万吨资源化利用示范线，生产新型墙体材料。", False, None),
    "cells": ("ent2", 0, "年产2GW高效异质结光伏电池项目", "光伏电池及其组件", "260000", "410",
              "晋中开发区潇河产业园区", "新建异质结电池生产车间、动力站、化学品库及配套设施，建成年产2GW"
              "高效异质结光伏电池生产线。", True, 401377),
    "warehouse": ("ent2", 1, "光伏组件智能仓储物流中心项目", "现代物流", "36000", "120", "阳曲产业园区",
                  "新建智能立体仓库3栋、分拣中心及配套用房，配置自动化立体货架与AGV搬运系统，年周转光伏组件5GW。",
                  False, 118264),
    "frames": ("ent2", 0, "光伏边框铝型材配套项目", "新材料", "12000", "60", "晋中开发区汇通产业园区",
               "新建铝棒熔铸及型材挤压生产线2条，年产光伏组件边框铝型材3万吨。", False, None),
    "operations": ("ent2", 0, "分布式光伏运维服务中心项目", "现代服务业", "3500", "12",
                   "晋中开发区大学城产业园区", "建设分布式光伏电站智能运维调度中心及备件库，开发运维监控平台。",
                   False, None),
    "glass": ("ent2", 0, "光伏玻璃深加工项目", "光伏电池及其组件", "45000", "130", "晋中开发区潇河产业园区",
              "新建光伏玻璃镀膜、钢化深加工生产线4条，年产光伏玻璃3000万平方米。", False, 305512),
    "pharma": ("ent3", 0, "康瑞生物医药产业化基地项目", "生物医药及大健康", "68000", "150",
               "晋中开发区大学城产业园区", "新建GMP标准固体制剂车间、中药提取车间、质检研发楼及配套设施，"
               "年产片剂20亿片、胶囊10亿粒。", False, None),
}
REGION_CODES = ("140700", "140122")   # 晋中市, 阳曲县: part of the 项目代码
