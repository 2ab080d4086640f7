"""The sample hospital's supplies: 20 suppliers, 2,000 spare parts (25 families × 8 specs ×
10 brands, with stock and price) and a week of menus (five dishes a meal, each with its diet,
price and order cut-off), as import records.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

SUPPLIER_NAMES = ("华东五金", "申城照明", "沪联水暖", "长江电气", "瑞康医疗设备", "氧源气体", "洁康清洁用品",
                  "安达门窗", "百工工具", "华通电梯", "恒温空调", "新程家具", "安信锁业", "立达管道",
                  "宏远电子", "绿源环保", "明达五金", "康桥医用气体", "欣悦餐具", "天成建材")
PART_FAMILIES = (
    ("灯管", "支", ("T5 14W", "T5 28W", "T8 18W", "T8 36W", "LED 9W", "LED 18W", "LED 24W", "环形 32W"), 8, 40),
    ("灯泡", "个", ("E27 9W", "E27 12W", "E14 5W", "E14 7W", "GU10 5W", "E27 18W", "E27 24W", "节能 15W"), 5, 30),
    ("开关", "个", ("单开", "双开", "三开", "单开双控", "双开双控", "带指示灯", "防水", "86型"), 6, 35),
    ("插座", "个", ("五孔", "三孔16A", "带USB", "防水五孔", "地插", "四位排插", "六位排插", "医用"), 8, 60),
    ("水龙头", "个", ("DN15", "DN20", "感应式", "肘式", "脚踏式", "洗衣机用", "冷热混水", "长颈"), 30, 260),
    ("角阀", "个", ("DN15 冷", "DN15 热", "DN20", "三角", "快开", "铜质", "不锈钢", "带过滤"), 12, 60),
    ("门锁", "把", ("球形", "执手", "防火门", "卫生间", "电子锁", "挂锁", "抽屉锁", "病房门"), 25, 380),
    ("门合页", "副", ("4寸", "5寸", "液压", "不锈钢", "子母", "轴承", "防火", "隐形"), 6, 45),
    ("闭门器", "个", ("60kg", "80kg", "120kg", "地弹簧", "定位", "隐藏式", "防火门", "轻型"), 40, 300),
    ("空调滤网", "片", ("挂机", "柜机", "风管机", "新风", "HEPA", "初效", "中效", "活性炭"), 10, 120),
    ("氧气表", "个", ("浮标式", "壁挂式", "湿化瓶", "流量计", "减压阀", "快插接头", "吸引器", "负压表"), 60, 480),
    ("氧气瓶", "个", ("2L", "4L", "10L", "40L", "推车", "瓶阀", "瓶帽", "防倒架"), 80, 900),
    ("轮椅配件", "个", ("前轮", "后轮", "刹车", "坐垫", "脚踏", "扶手", "内胎", "外胎"), 15, 150),
    ("平车配件", "个", ("脚轮", "护栏", "输液架", "床垫", "刹车", "把手", "升降杆", "挡板"), 20, 300),
    ("病床配件", "个", ("摇把", "床栏", "脚轮", "床头板", "餐桌板", "输液架", "床垫", "气弹簧"), 20, 400),
    ("水管", "米", ("PPR 20", "PPR 25", "PVC 50", "PVC 110", "软管", "不锈钢波纹管", "铝塑管", "镀锌管"), 3, 40),
    ("电线", "卷", ("BV 1.5", "BV 2.5", "BV 4", "BVR 6", "RVV 3x1.5", "网线 六类", "电话线", "护套线"), 80, 600),
    ("断路器", "个", ("1P 16A", "1P 20A", "1P 32A", "2P 32A", "3P 63A", "漏保 2P", "漏保 4P", "塑壳"), 20, 380),
    ("马桶配件", "套", ("水箱配件", "坐圈", "冲水阀", "进水阀", "按钮", "密封圈", "法兰", "软管"), 10, 120),
    ("玻璃", "块", ("5mm", "8mm", "钢化", "磨砂", "夹胶", "观察窗", "柜门", "镜面"), 30, 280),
    ("窗帘配件", "个", ("滑轨", "挂钩", "隔帘", "拉绳", "轨道弯头", "滑轮", "端盖", "遮光帘"), 2, 90),
    ("清洁工具", "个", ("拖把", "尘推", "刮水器", "水桶", "清洁车", "抹布", "手套", "喷壶"), 5, 400),
    ("消毒用品", "瓶", ("含氯消毒片", "75%酒精", "过氧化氢", "季铵盐", "手消毒液", "消毒湿巾", "试纸", "喷雾"), 6, 90),
    ("垃圾袋", "包", ("黄色医疗", "黑色生活", "大号", "中号", "小号", "利器盒", "转运箱", "扎带"), 8, 60),
    ("电池", "节", ("5号", "7号", "1号", "9V", "纽扣", "锂电池", "充电电池", "蓄电池"), 2, 300),
)
BRANDS = ("正泰", "公牛", "欧普", "飞利浦", "九牧", "三环", "鱼跃", "得力", "西门子", "雷士")


def supplier_records() -> list[dict[str, Any]]:
    return [{"code": f"S{i:02d}", "name": n, "contact": f"{n[:1]}经理", "phone": f"021{5550000 + i:08d}"}
            for i, n in enumerate(SUPPLIER_NAMES, start=1)]


def part_records(rng: random.Random) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for family, unit, specs, low, high in PART_FAMILIES:
        for spec in specs:
            for brand in BRANDS:
                n = len(out)
                out.append({"code": f"P{n + 1:05d}", "name": f"{brand}{family}", "spec": spec,
                            "unit": unit, "stock": rng.randint(0, 200),
                            "price": Decimal(rng.randint(low * 100, high * 100)) / 100,
                            "supplier_code": f"S{rng.randint(1, len(SUPPLIER_NAMES)):02d}",
                            # the cheap ones are kept in larger numbers (not from the RNG: the
                            # parts and menus drawn after stay as they were)
                            "min_stock": (20 if high <= 60 else 5) if n % 4 else 0,
                            "reorder_qty": (50 if high <= 60 else 10) if n % 4 else 0})
    return out  # 25 families × 8 specs × 10 brands = 2000


DISHES = {
    "breakfast": (("白粥", "liquid"), ("小米粥", "semi_liquid"), ("肉包", "regular"), ("鸡蛋羹", "soft"),
                  ("豆浆油条", "regular"), ("燕麦粥", "diabetic"), ("馄饨", "soft")),
    "lunch": (("红烧鱼", "regular"), ("番茄炒蛋", "regular"), ("清蒸鸡胸", "diabetic"), ("冬瓜汤", "low_salt"),
              ("肉末豆腐", "soft"), ("米汤", "liquid"), ("青菜面", "semi_liquid"), ("土豆牛肉", "regular")),
    "dinner": (("清炒时蔬", "low_fat"), ("蒸蛋", "soft"), ("杂粮饭套餐", "diabetic"), ("鸡丝粥", "semi_liquid"),
               ("糖醋排骨", "regular"), ("藕粉", "liquid"), ("素三鲜饺子", "vegetarian")),
}
CUTOFFS = {"breakfast": "06:30", "lunch": "10:00", "dinner": "15:30"}


MENU_DAYS = 14  # this week's and next week's, as a kitchen publishes the next before this one ends


def menu_records(rng: random.Random, start: date) -> list[dict[str, Any]]:
    """The menus of ``MENU_DAYS`` days from ``start`` (a Monday): with one week only, a meal
    ordered on Sunday after the dinner's cut-off had no day left to be ordered for."""
    out = []
    for d in (start + timedelta(days=i) for i in range(MENU_DAYS)):
        for meal, dishes in DISHES.items():
            for n, (name, diet) in enumerate(rng.sample(dishes, 5), start=1):
                out.append({"code": f"M{d:%Y%m%d}{meal[0].upper()}{n:02d}", "name": name,
                            "name_en": "", "menu_date": d, "meal": meal, "diet": diet,
                            "price": Decimal(rng.randint(4, 24) * 50) / 100, "cutoff": CUTOFFS[meal]})
    return out
