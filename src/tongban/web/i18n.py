"""The portal shell in Chinese (default) or English (GUIDE-05 second language).

Only the shell is translated: item content is published in Chinese by the agencies.
"""

from __future__ import annotations

EN = {
    "通办 · 政务服务网": "Tongban · Government Services",
    "首页": "Home",
    "我要看": "Browse",
    "我要查": "Look up",
    "我要办": "Apply",
    "我要问": "Ask",
    "我要评": "Rate",
    "我的": "My space",
    "个人服务": "For individuals",
    "法人服务": "For organisations",
    "按主题": "By theme",
    "按生命周期": "By life stage",
    "按部门": "By department",
    "按层级": "By level",
    "按事项类型": "By item type",
    "全部事项": "All service items",
    "办事指南": "Service guide",
    "搜索事项": "Search services",
    "请输入事项名称，如：身份证、开公司": "Type what you need, e.g. ID card, start a company",
    "搜索": "Search",
    "大字模式": "Large text",
    "标准字号": "Normal text",
    "简洁模式": "Simple mode",
    "完整模式": "Full mode",
    "工作人员入口": "Staff",
    "基本信息": "Basic information",
    "设定依据": "Legal basis",
    "受理条件": "Conditions",
    "申请材料": "Materials",
    "办理流程": "Process",
    "收费标准": "Fees",
    "办理结果": "Result",
    "常见问题": "FAQ",
    "特别程序": "Special procedures",
    "审查工作细则": "Review rules",
    "咨询与投诉": "Contact and complaints",
    "下载PDF": "Download PDF",
    "打印版": "Print version",
    "数据(JSON)": "Data (JSON)",
    "版本历史": "Version history",
    "共": "Total",
    "项": "items",
    "筛选": "Filter",
    "清除筛选": "Clear filters",
    "上一页": "Previous",
    "下一页": "Next",
    "返回首页": "Back to home",
    "出错了": "Something went wrong",
    "跳到正文": "Skip to content",
    "政务服务热线": "Service hotline",
    "主办单位": "Run by",
    "不限": "Any",
    "服务对象": "Audience",
    "事项类型": "Item type",
    "实施机构": "Agency",
    "行使层级": "Level",
    "服务主题": "Theme",
    "生命周期": "Life stage",
    "办理形式": "Handling form",
    "通办范围": "Scope",
    "事项标签": "Tags",
    "热门服务": "Popular services",
    "没有符合条件的事项": "No service items match",
    "语言": "Language",
}


def translator(lang: str):
    table = EN if lang == "en" else {}

    def t(text: str) -> str:
        return table.get(text, text)

    return t
