"""Chinese names of the audited event types, for the audit page. Evidence imports no other domain,
so the names are listed here as plain strings; an unknown type shows as its code."""

from __future__ import annotations

EVENT_LABELS = {
    # directory
    "AgencyRegistered": "登记机关", "DivisionsLoaded": "载入行政区划",
    "ResponsiblePersonAppointed": "指定共享工作负责人", "UserCreated": "创建用户",
    "UserDeactivated": "停用用户", "UserRolesChanged": "调整用户角色", "UserSignedIn": "用户登录",
    "SignInFailed": "登录失败", "PasswordChanged": "修改密码", "ApiClientIssued": "签发接口令牌",
    "ApiClientRevoked": "吊销接口令牌",
    # workdays
    "WorkdaySet": "设置工作日/节假日", "WorkdayCleared": "清除日历调整",
    "HolidayYearDeclared": "录入年度节假日",
    "HolidayYearDeclarationWithdrawn": "撤回年度放假安排的确认",
    # catalog
    "EntryDrafted": "编制目录条目", "EntryRevised": "修订目录条目", "ConfidentialityReviewed": "保密审查",
    "EntrySubmitted": "报送目录条目", "EntryFiled": "目录条目备案", "EntryReturned": "退回目录条目",
    "EntryWithdrawn": "撤销目录条目", "BaseItemDefined": "维护基准信息", "NeedRecorded": "登记共享需求",
    "VersionCompiled": "编制共享目录版本", "VersionApproved": "政府批准共享目录",
    "VersionRejected": "政府未批准共享目录", "VersionPublished": "发布共享目录",
    # access: the steps of a request
    "RequestSubmitted": "提出共享申请", "RequestGrantedAtOnce": "无条件共享即时授权",
    "RequestRefusedAtOnce": "不予共享即时答复", "RequestGranted": "提供机关授权共享",
    "RequestGrantedNarrower": "提供机关缩小范围授权", "RequestRefused": "提供机关拒绝共享",
    "OverdueRequestEscalated": "逾期未决定提请协调", "RefusalDisputed": "对拒绝提出异议",
    "NarrowingDisputed": "对缩小范围提出异议", "CoordinationRecorded": "记录协调结果",
    "CoordinationDisputed": "对协调结果提出异议", "LeadingGroupDecisionRecorded": "记录领导小组决定",
    "RequestReferredToGovernment": "报请政府决定", "GovernmentDecidedToShare": "政府决定共享",
    "GovernmentDecidedNotToShare": "政府决定不予共享", "InformationSupplied": "提供机关提供信息",
    "RequestWithdrawn": "撤回共享申请", "SupplyBreachRecorded": "记录逾期未提供",
    # access: grants, agreements, consents, notices
    "GrantIssued": "签发授权", "GrantActivated": "授权生效", "GrantAwaitingAgreement": "授权待签保密协议",
    "GrantRevoked": "撤销授权", "GrantsExpired": "授权到期", "AgreementFiled": "备案保密协议",
    "AgreementTerminated": "终止保密协议", "AgreementExpired": "保密协议到期",
    "ConsentRecorded": "记录提供机关同意",
    # evidence
    "SigningKeyCreated": "创建签名密钥", "SigningKeyRotated": "轮换签名密钥",
    # exchange
    "ResourceRecordsLoaded": "库表数据入库", "NoticeHookSet": "设置提醒推送地址",
    "EndpointRegistered": "登记提供机关接口", "FileVersionUploaded": "上传共享文件新版本",
    "DeadlineRecomputed": "按现行日历重算期限", "NoticesRead": "提醒标记已读",
    "ArchiveTransferred": "电子文件归档移交", "ArchiveReceiptRecorded": "登记档案馆接收归档", "ArchiveTransferFailed": "归档移交标记失败", "ArchiveTransferOverdue": "归档移交逾期未办",  # noqa: E501
    "SubscriptionCreated": "创建变更订阅", "SubscriptionPaused": "暂停变更订阅", "SubscriptionResumed": "恢复变更订阅", "SubscriptionDeleted": "删除变更订阅", "SubscriptionStopped": "平台停止变更订阅",  # noqa: E501
}


def event_label(event_type: str) -> str:
    """The Chinese name of an event type, or the type itself when it has none yet."""
    return EVENT_LABELS.get(event_type, event_type)
