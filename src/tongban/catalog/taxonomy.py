"""Themes (003 二(四)), life stages (000 §5) and attribute tags (CAT-09, CAT-10).

Codes are stable ASCII slugs stored in the database; labels are what people read.
"""

from __future__ import annotations

# 面向自然人的服务主题, in the order of the human life cycle as 003 二(四) lists them.
PERSON_THEMES: dict[str, str] = {
    "birth_adoption": "生育收养",
    "household": "户籍办理",
    "ethnic_religion": "民族宗教",
    "education_research": "教育科研",
    "military_service": "入伍服役",
    "employment": "就业创业",
    "establishment": "设立变更",
    "operation_permit": "准营准办",
    "mortgage": "抵押质押",
    "qualification": "职业资格",
    "payment": "行政缴费",
    "marriage": "婚姻登记",
    "veterans": "优待抚恤",
    "planning_construction": "规划建设",
    "housing": "住房保障",
    "social_security": "社会保障",
    "certificates": "证件办理",
    "transport": "交通出行",
    "tourism": "旅游观光",
    "exit_entry": "出境入境",
    "consumer_rights": "消费维权",
    "public_safety": "公共安全",
    "justice_notary": "司法公证",
    "intellectual_property": "知识产权",
    "environment": "环保绿化",
    "culture_sports": "文化体育",
    "utilities": "公用事业",
    "health": "医疗卫生",
    "retirement": "离职退休",
    "death_funeral": "死亡殡葬",
    "other": "其他",
}

# 面向法人的服务主题, in the order of the organisation life cycle (003 二(四)).
ORG_THEMES: dict[str, str] = {
    "establishment": "设立变更",
    "operation_permit": "准营准办",
    "qualification_cert": "资质认证",
    "annual_inspection": "年检年审",
    "tax_finance": "税收财务",
    "human_resources": "人力资源",
    "social_security": "社会保障",
    "investment": "投资审批",
    "financing": "融资信贷",
    "mortgage": "抵押质押",
    "commerce_trade": "商务贸易",
    "bidding_auction": "招标拍卖",
    "customs_port": "海关口岸",
    "foreign_affairs": "涉外服务",
    "agriculture": "农林牧渔",
    "land_planning": "国土和规划建设",
    "transport": "交通运输",
    "environment": "环保绿化",
    "climate": "应对气候变化",
    "water_weather": "水务气象",
    "health": "医疗卫生",
    "science_innovation": "科技创新",
    "culture_education": "文体教育",
    "intellectual_property": "知识产权",
    "ethnic_religion": "民族宗教",
    "quality_technology": "质量技术",
    "inspection_quarantine": "检验检疫",
    "work_safety": "安全生产",
    "police_fire": "公安消防",
    "justice_notary": "司法公证",
    "utilities": "公用事业",
    "deregistration": "法人注销",
    "archives_relics": "档案文物",
    "other": "其他",
}

# 生命周期 (000 §5): person, organisation and project life stages.
PERSON_LIFE_STAGES: dict[str, str] = {
    "birth_household": "出生与户籍",
    "education": "教育",
    "employment": "就业与创业",
    "marriage_family": "婚姻与家庭",
    "health": "医疗与健康",
    "social_insurance": "社会保障",
    "housing": "住房",
    "travel": "交通出行",
    "retirement_elderly": "退休与养老",
    "death": "身后事",
}
ORG_LIFE_STAGES: dict[str, str] = {
    "startup": "开办",
    "construction": "工程建设",
    "real_estate": "不动产登记",
    "hiring": "员工录用",
    "operation": "生产经营",
    "policy_benefit": "惠企政策兑现",
    "deregistration": "注销（破产）",
}
PROJECT_LIFE_STAGES: dict[str, str] = {
    "project_reserve": "项目储备",
    "project_planning": "策划生成",
    "construction_licensing": "工程建设许可",
    "construction_permit": "施工许可",
    "completion_acceptance": "竣工验收",
    "production": "建成投产",
}

# 事项属性标签 (CAT-10; 000 §5 事项属性).
ATTRIBUTE_TAGS: dict[str, str] = {
    "cross_province": "跨省通办",
    "province_wide": "全省通办",
    "sichuan_chongqing": "川渝通办",
    "convenience": "便民服务",
    "foreign_related": "涉外服务",
    "bundle": "一件事",
    "instant_approval": "秒批",
    "pledge": "告知承诺",
    "tolerant_acceptance": "容缺受理",
    "proactive_benefit": "免申即享",
    "zero_visit": "零跑动",
}

THEMES = {"person": PERSON_THEMES, "org": ORG_THEMES}
LIFE_STAGES = {**PERSON_LIFE_STAGES, **ORG_LIFE_STAGES, **PROJECT_LIFE_STAGES}
LIFE_STAGE_GROUPS = {"person": PERSON_LIFE_STAGES, "org": ORG_LIFE_STAGES, "project": PROJECT_LIFE_STAGES}


def theme_label(code: str) -> str:
    return PERSON_THEMES.get(code) or ORG_THEMES.get(code) or code


def life_stage_label(code: str) -> str:
    return LIFE_STAGES.get(code, code)


def tag_label(code: str) -> str:
    return ATTRIBUTE_TAGS.get(code, code)
