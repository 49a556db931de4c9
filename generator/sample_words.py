"""Data (not logic): the word lists the sample generator (:mod:`generator.sample`) draws from.

Every name, street and product here is invented or generic; nothing refers to a real person.
"""

from __future__ import annotations


#: Common surnames, most frequent first; drawn with decreasing weight.
SURNAMES = (
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
    "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
    "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏",
    "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金",
)

#: Characters used in given names (one or two of them).
GIVEN_CHARS = (
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
    "明", "超", "秀", "霞", "平", "刚", "桂", "英", "华", "玉", "兰", "萍", "红", "建", "文",
    "辉", "力", "斌", "宇", "浩", "凯", "俊", "鑫", "晨", "欣", "怡", "婷", "雪", "琳", "佳",
    "子", "涵", "梓", "轩", "博", "思", "悦", "瑞", "嘉", "宁", "志", "国", "海", "春", "燕",
    "晓", "丹", "阳", "慧", "云", "峰", "东", "亮", "雨", "鹏", "颖", "倩", "然", "诗", "琪",
)

#: Mobile prefixes of the three mainland carriers (all match ``^1[3-9]``).
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "180",
    "181", "182", "183", "185", "186", "187", "188", "189", "191", "195", "198", "199",
)

BRANCHES = ("城东营业部", "滨江营业部", "高新营业部", "西湖营业部", "河西营业部")
TEAMS = ("晨星组", "启航组", "精英组", "腾飞组", "同心组", "卓越组")

#: (product, annual premium range in yuan, payment-year choices, insured is usually a child)
PRODUCTS = (
    ("终身寿险", (8000, 60000), (10, 15, 20), False),
    ("重疾险", (3000, 20000), (10, 15, 20, 30), False),
    ("少儿重疾险", (2000, 8000), (20, 30), True),
    ("年金险", (10000, 100000), (10, 15, 20), False),
    ("养老年金险", (10000, 50000), (10, 15, 20), False),
    ("医疗险", (800, 5000), (10, 20), False),
    ("意外险", (300, 3000), (10, 20), False),
    ("两全保险", (5000, 30000), (10, 15, 20), False),
    ("教育金", (6000, 30000), (10, 15), True),
)
PRODUCT_WEIGHTS = (10, 16, 6, 8, 5, 10, 8, 7, 5)

#: Payment modes (canonical word, weight) and synonyms agents type instead.
PAY_MODES = (("年交", 70), ("月交", 10), ("趸交", 8), ("季交", 6), ("半年交", 6))
PAY_MODE_SYNONYMS = {"年交": "年缴", "月交": "月缴", "趸交": "趸缴", "季交": "季缴", "半年交": "半年缴"}

#: Canonical rating words and a couple of synonyms for each (all in rules.yaml).
RATING_WORDS = {
    "经济条件": (("好", "一般"), {"好": ("富裕", "较好"), "一般": ("普通", "中等")}),
    "保险意识": (("强", "一般"), {"强": ("较强", "很强"), "一般": ("普通", "较弱")}),
    "影响力": (("广", "一般"), {"广": ("较广", "很广"), "一般": ("普通", "小")}),
}
SOURCES = ("缘故", "转介绍", "陌生")
SOURCE_SYNONYMS = {"缘故": ("亲友", "朋友", "同事"), "转介绍": ("推荐", "介绍"), "陌生": ("陌拜", "网络")}

CITIES = (
    ("杭州市", ("西湖区", "上城区", "拱墅区", "滨江区", "余杭区")),
    ("南京市", ("鼓楼区", "玄武区", "秦淮区", "建邺区")),
    ("苏州市", ("姑苏区", "吴中区", "工业园区", "相城区")),
    ("宁波市", ("海曙区", "鄞州区", "江北区")),
)
ROADS = (
    "文三路", "天目山路", "中山北路", "解放路", "人民路", "建设路", "学院路", "湖滨路",
    "和平路", "新华路", "长江路", "钱江路", "体育场路", "凤起路", "江南大道", "金鸡路",
)
OCCUPATIONS = (
    "教师", "医生", "护士", "公务员", "个体经营", "企业主", "会计", "工程师", "销售经理",
    "程序员", "设计师", "律师", "司机", "厨师", "退休", "全职妈妈", "外贸业务员", "银行职员",
)
CLOSED_NOTES = (
    "孩子明年高考", "喜欢打太极", "关注养老规划", "已办理保全变更", "理赔过一次，很满意",
    "希望每年提醒体检", "公司高管，时间紧", "有二胎计划", "刚换新房", "对分红型产品感兴趣",
    "父母年事已高，关注医疗", "偏好微信沟通",
)
PROSPECT_NOTES = (
    "已发计划书，待回复", "下月再约", "关注少儿保障", "预算有限", "配偶反对",
    "对重疾险感兴趣", "参加过健康讲座", "希望先了解理赔流程",
)
SERVICE_CONTENT = {
    "常规服务": ("交费提醒", "保单年检", "生日祝福短信", "节日问候", "保全变更办理", "理赔资料协助"),
    "定期拜访": ("季度上门拜访，讲解保单", "家庭保障检视", "送生日蛋糕上门"),
    "一般活动": ("邀请参加客户联谊会", "亲子手工活动", "健康讲座"),
    "高级活动": ("高端理财沙龙", "名医健康讲座", "高尔夫体验日"),
    "生活服务": ("协助预约专家门诊", "孩子升学咨询", "代办车辆年检"),
    "量身定制": ("定制家庭财富传承方案", "定制结婚纪念日惊喜", "私人健康管理方案"),
}
SERVICE_WEIGHTS = (40, 25, 15, 8, 7, 5)
SERVICE_RESULTS = (
    "客户满意", "已完成", "客户表示感谢", "有加保意向", "转介绍一位朋友", "需再次跟进", "客户暂不需要",
)

#: The deliberate problems of a messy book: (key, issue code it should raise).
PROBLEM_KINDS = (
    ("bad-phone", "invalid-phone"),
    ("ambiguous-date", "ambiguous-date"),
    ("impossible-date", "invalid-date"),
    ("future-date", "future-date"),
    ("unknown-rating", "invalid-choice"),
    ("zero-premium", "invalid-number"),
    ("duplicate-policy", "duplicate-policy"),
    ("totals-row", "totals-row"),
    ("agent-phone", "phone-is-agent"),
    ("shared-phone", "shared-phone"),
    ("formula-name", "suspicious-text"),
    ("extra-column", "unknown-column"),
    ("unknown-client", "unknown-client"),
)
