"""API shapes of hosted libraries: loads, their errors, records and the provider's listing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from govshare.exchange.ingest_service import LoadResult
from govshare.exchange.record_service import LibraryRow, RecordView


class LoadRead(BaseModel):
    load_id: int = Field(description="批次编号")
    resource_code: str = Field(description="资源代码")
    records: int = Field(description="写入的记录（版本）数")
    new_subjects: int = Field(description="其中首次出现的主体数；其余为已有主体的新版本")
    late: int = Field(description="超过更新时限才加载的记录数（GZ-17）")
    deadline_class: str = Field(description="目录条目的更新时限：realtime（实时）、"
                                            "within_3_days（产生后3日内）、quarterly_filed（经备案按季度）")
    loaded_at: datetime = Field(description="加载时间，即这些版本的记录时间")
    digest: str = Field(description="按存储形式（COPY 文本行）计算的 SM3 摘要，可据库中记录复算")
    catalog_version_id: int = Field(description="校验所依据的共享目录版本标识")

    @classmethod
    def of(cls, result: LoadResult) -> LoadRead:
        return cls(**{k: getattr(result, k) for k in cls.model_fields})


class RecordErrorRead(BaseModel):
    index: int | None = Field(description="记录在本批中的序号（从 0 起）；空表示整批（如表头、文件）")
    row: int | None = Field(description="NDJSON/CSV 的行号或 Excel 的行号（表头为第 1 行）；JSON 数组为空")
    item: str | None = Field(description="信息项名称，或 _produced_at、_valid_from、_division_code")
    rule: str = Field(description="违反的规则：unknown_item、required、number、integer、decimals、"
                                  "date、datetime、boolean、text、length、check_digit、format、"
                                  "component、in_future …")
    message: str = Field(description="中文说明")


class TimelinessRead(BaseModel):
    deadline_class: str = Field(description="更新时限类别（GZ-17）")
    label: str = Field(description="更新时限的中文名称")
    deadline_at: datetime = Field(description="按时加载的最晚时间")
    on_time: bool = Field(description="是否在时限内加载")
    late_seconds: int = Field(description="超时秒数，按时为 0")


class SealRead(BaseModel):
    seal_id: str = Field(description="电子印章编号（GZ-23）")
    agency_id: int = Field(description="盖章的提供机关")
    agency_name: str = Field(description="盖章机关名称")
    key_id: str = Field(description="印章密钥标识（公钥 DER 的 SM3），公钥见 /.well-known/govshare-keys.json")
    algorithm: str = Field(description="签名算法：SM2-SM3 或 Ed25519")
    sealed_at: datetime = Field(description="盖章时间（与加载同一事务）")


class RecordRead(BaseModel):
    resource_code: str = Field(description="资源代码")
    subject: str = Field(description="主体标识（规范化后，GZ-16）")
    version_id: int = Field(description="版本标识（记录行编号），引用或核验时使用")
    version: int = Field(description="该主体的第几个版本")
    load_id: int = Field(description="写入该版本的批次")
    data: dict[str, Any] = Field(description="信息项名称 → 值；未提供的信息项不出现")
    produced_at: datetime = Field(description="提供机关产生该数据的时间")
    valid_from: datetime = Field(description="提供机关声明的生效时间")
    loaded_at: datetime = Field(description="平台加载（记录）该版本的时间；as_of 按此时间查询")
    division_code: str | None = Field(description="记录所属行政区划（GZ-21 按区划限定时使用）")
    timeliness: TimelinessRead = Field(description="该版本是否按更新时限加载（GZ-17）")
    seal: SealRead | None = Field(None, description="证照、文书记录入库时由提供机关盖的电子印章；"
                                                    "其他资源为空")

    @classmethod
    def of(cls, view: RecordView) -> RecordRead:
        t = view.timeliness
        seal = SealRead(**vars(view.seal)) if view.seal else None
        return cls(**{k: getattr(view, k) for k in cls.model_fields if k not in ("timeliness", "seal")},
                   seal=seal,
                   timeliness=TimelinessRead(deadline_class=t.deadline_class, label=t.label,
                                             deadline_at=t.deadline_at, on_time=t.on_time,
                                             late_seconds=int(t.late_by.total_seconds())))


class LibraryRead(BaseModel):
    resource_code: str = Field(description="资源代码")
    name: str = Field(description="资源名称")
    subject_item: str = Field(description="主体标识信息项")
    deadline_class: str = Field(description="更新时限类别（GZ-17）")
    subject_count: int = Field(description="有记录的主体数")
    version_count: int = Field(description="存储的版本总数")
    last_load_at: datetime | None = Field(description="最近一次加载时间；从未加载为空")
    last_load_records: int | None = Field(description="最近一次加载的记录数")

    @classmethod
    def of(cls, row: LibraryRow) -> LibraryRead:
        return cls(**{k: getattr(row, k) for k in cls.model_fields if k != "last_load_records"},
                   last_load_records=row.last_load.record_count if row.last_load else None)
