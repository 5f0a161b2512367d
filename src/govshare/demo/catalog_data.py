"""The demo city's catalog: the base-information catalog (GZ-14) and a resource entry for each
foundational library (GZ-11) and the resources the design names (户籍, 婚姻登记, 营业执照, 不动产登记,
社保缴费, 出生医学证明 …). Pure data; `seed` writes it through the catalog services."""

from __future__ import annotations

from govshare.catalog.rules import EntryDraft, ItemDraft

# code, name, library group, responsible agency key
BASE_ITEMS = [
    ("P0001", "公民身份号码", "natural_person", "police"),
    ("P0002", "姓名", "natural_person", "police"),
    ("P0003", "出生日期", "natural_person", "police"),
    ("P0004", "户籍地址", "natural_person", "police"),
    ("P0005", "婚姻状况", "natural_person", "civil"),
    ("L0001", "统一社会信用代码", "legal_person", "market"),
    ("L0002", "企业名称", "legal_person", "market"),
    ("L0003", "法定代表人", "legal_person", "market"),
    ("R0001", "不动产单元号", "real_estate", "realestate"),
    ("G0001", "行政区划代码", "geography", "planning"),
]


def _i(name, dtype="C", length=None, *, key=None, base=None, sens="none", share=None):
    return ItemDraft(name=name, data_type=dtype, length=length, subject_key=key,
                     base_item_code=base, sensitivity=sens, share_type=share)


def _e(name, group, kind, share, mode, items, *, cat="1", sub="01", subj="001", **kw):
    deadline = "realtime" if kind in ("licence", "document") else kw.pop("deadline", "within_3_days")
    return EntryDraft(category=cat, subcategory=sub, subject=subj, name=name,
                      format_class=kw.pop("format_class", "database"), share_type=share,
                      share_mode=mode, update_cycle=kw.pop("cycle", "realtime"),
                      deadline_class=deadline, resource_kind=kind, library_group=group,
                      items=tuple(items), **kw)


ENTRIES: list[tuple[str, EntryDraft]] = [
    ("police", _e("户籍人口信息", "natural_person", "business", "conditional", "platform_table", [
        _i("公民身份号码", length=18, key="id_number", base="P0001"),
        _i("姓名", length=50, base="P0002"), _i("出生日期", "D", base="P0003"),
        _i("户籍地址", length=200, base="P0004", sens="personal_privacy"),
        _i("户主关系", length=20, sens="personal_privacy")],
        abstract="广州市户籍人口的基本登记信息，用于核验身份和户籍。", is_base_information=True,
        share_condition="仅限依法履行户籍核验、社会保障、婚姻登记等职责使用", cycle="daily")),
    ("civil", _e("婚姻登记信息", "natural_person", "document", "conditional", "platform_api", [
        _i("男方公民身份号码", length=18, key="id_number"), _i("女方公民身份号码", length=18),
        _i("登记类型", length=10), _i("登记日期", "D"), _i("婚姻状况", length=10, base="P0005"),
        _i("结婚证字号", length=30, sens="personal_privacy")],
        sub="01", subj="002", abstract="结婚、离婚登记记录及结婚证、离婚证信息。",
        share_condition="限于办理涉及婚姻状况的行政事项时核验", format_class="service_api")),
    ("market", _e("营业执照信息", "licence", "licence", "unconditional", "platform_table", [
        _i("统一社会信用代码", length=18, key="credit_code", base="L0001"),
        _i("企业名称", length=200, base="L0002"), _i("法定代表人", length=50, base="L0003"),
        _i("成立日期", "D"), _i("登记状态", length=20), _i("住所", length=200)],
        sub="02", subj="001", abstract="市场主体营业执照登记信息，用于并联审批和证照核验。",
        used_in_licensing=True)),
    ("market", _e("企业年度报告信息", "legal_person", "business", "unconditional", "platform_file", [
        _i("统一社会信用代码", length=18, key="credit_code"), _i("报告年度", "N", 4),
        _i("从业人数", "I"), _i("资产总额", "Y", sens="trade_secret", share="conditional")],
        cat="3", sub="02", subj="003", abstract="企业年度报告公示信息。", cycle="yearly",
        format_class="spreadsheet", open_to_public=True, open_condition="依法公示部分向社会开放")),
    ("realestate", _e("不动产登记信息", "real_estate", "document", "conditional", "platform_table", [
        _i("不动产单元号", length=28, key="other", base="R0001"),
        _i("权利人公民身份号码", length=18, sens="personal_privacy"), _i("坐落", length=200),
        _i("权利类型", length=20), _i("登记日期", "D")],
        sub="04", subj="001", abstract="不动产权利登记簿信息。",
        share_condition="限于依法办理不动产相关审批、司法协助、税费征收")),
    ("hrss", _e("社会保险缴费信息", "specialised", "business", "conditional", "platform_api", [
        _i("公民身份号码", length=18, key="id_number"), _i("险种", length=20),
        _i("缴费年月", length=6), _i("缴费基数", "Y", sens="personal_privacy")],
        cat="3", sub="05", subj="001", abstract="参保人员社会保险缴费明细。",
        share_condition="限于就业、落户、住房保障等资格审核", cycle="monthly",
        deadline="quarterly_filed", format_class="service_api")),
    ("health", _e("出生医学证明信息", "licence", "licence", "unconditional", "platform_table", [
        _i("出生医学证明编号", length=20, key="licence_no"), _i("新生儿姓名", length=50),
        _i("出生日期", "D"), _i("母亲公民身份号码", length=18, sens="personal_privacy",
                                  share="conditional")],
        sub="06", subj="001", abstract="新生儿出生医学证明，用于户口登记和社保参保。",
        used_in_licensing=True)),
    ("planning", _e("基础地理信息", "geography", "business", "unconditional", "platform_file", [
        _i("图幅编号", length=20, key="other"), _i("行政区划代码", length=6, base="G0001"),
        _i("比例尺", length=10), _i("数据文件", "B")],
        sub="03", subj="001", abstract="全市1:500至1:2000基础地理信息数据。",
        format_class="image", cycle="quarterly", deadline="quarterly_filed")),
    ("education", _e("学籍信息", "specialised", "business", "conditional", "platform_api", [
        _i("学生公民身份号码", length=18, key="id_number"), _i("学校名称", length=100),
        _i("在读年级", length=20)],
        cat="3", sub="07", subj="001", abstract="中小学学生学籍信息。",
        share_condition="限于积分入学、教育补贴审核", cycle="monthly")),
    ("tax", _e("纳税信用等级信息", "legal_person", "business", "unconditional", "platform_api", [
        _i("统一社会信用代码", length=18, key="credit_code"), _i("评价年度", "N", 4),
        _i("信用等级", length=2)],
        cat="3", sub="02", subj="010", abstract="纳税人纳税信用评价结果。", cycle="yearly",
        format_class="service_api")),
    # Not shared: a sealed criminal record may be given to no one (GD-4 needs the legal basis).
    ("police", _e("未成年人犯罪记录封存信息", "specialised", "business", "not_shared", "platform_table", [
        _i("公民身份号码", length=18, key="id_number"), _i("封存决定日期", "D"),
        _i("封存机关", length=100)],
        cat="3", sub="01", subj="009", abstract="依法封存的未成年人犯罪记录。",
        legal_basis="《中华人民共和国刑事诉讼法》第二百八十六条：犯罪记录被封存的，不得向任何单位和个人提供",
        cycle="daily")),
    ("housing", _e("建设工程施工许可信息", "licence", "licence", "unconditional", "platform_table", [
        _i("施工许可证编号", length=30, key="licence_no"), _i("项目名称", length=200),
        _i("建设单位统一社会信用代码", length=18), _i("发证日期", "D")],
        cat="3", sub="08", subj="001", abstract="建筑工程施工许可证核发信息。",
        used_in_licensing=True)),
]
