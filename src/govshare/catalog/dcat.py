"""The shared catalog as DCAT for catalog harvesters, pure (no database): a version's frozen
entry documents become one `dcat:Catalog` with a `dcat:Dataset` per resource, serialised with
rdflib as JSON-LD or Turtle.

Vocabularies (following DCAT-AP 3 where it has a term):
- DCAT 3 and DCMI terms: catalog, dataset, distribution; dct:identifier is the resource code,
  dct:publisher the provider (foaf:Agent with its 统一社会信用代码 as dct:identifier),
  dct:accessRights the share type, dct:rights the share condition or the legal basis for not
  sharing, dct:accrualPeriodicity the EU frequency authority table, dct:relation related codes.
- CSVW (`csvw:Schema`, `csvw:Column`): the information items, in order, as the schema the
  distribution conforms to (dct:conformsTo); XSD datatypes mapped from the guide's letters.
- SKOS: share types, share modes and the other coded values as concepts with Chinese labels.
- `gs:` (urn:govshare:vocab:) for what neither DCAT nor DCAT-AP names: the Guangzhou fields (share
  scope, 共享频率, 时效要求, update deadline GZ-17), resource kind, library group, sensitivity,
  subject key, base item, share mode.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD

from govshare.catalog.terms import (
    Category,
    DataType,
    DeadlineClass,
    FormatClass,
    Labelled,
    LibraryGroup,
    ResourceKind,
    Sensitivity,
    ShareMode,
    ShareType,
    SubjectKey,
    UpdateCycle,
)

CSVW = Namespace("http://www.w3.org/ns/csvw#")
GS = Namespace("urn:govshare:vocab:")
FREQ = Namespace("http://publications.europa.eu/resource/authority/frequency/")
LANG_ZH = URIRef("http://publications.europa.eu/resource/authority/language/ZHO")
FORMATS = {"jsonld": "json-ld", "ttl": "turtle"}
MEDIA_TYPES = {"jsonld": "application/ld+json", "ttl": "text/turtle"}
FREQUENCIES = {"realtime": "UPDATE_CONT", "daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY",
               "quarterly": "QUARTERLY", "half_yearly": "ANNUAL_2", "yearly": "ANNUAL"}
XSD_TYPES = {"C": XSD.string, "N": XSD.decimal, "Y": XSD.decimal, "D": XSD.date, "T": XSD.dateTime,
             "L": XSD.boolean, "M": XSD.string, "G": XSD.base64Binary, "B": XSD.base64Binary,
             "I": XSD.integer, "F": XSD.double}
CONTEXT = {"dcat": str(DCAT), "dct": str(DCTERMS), "foaf": str(FOAF), "skos": str(SKOS),
           "csvw": str(CSVW), "gs": str(GS), "xsd": str(XSD), "rdfs": str(RDFS), "owl": str(OWL)}


def zh(text: str) -> Literal:
    return Literal(text, lang="zh")


class _Builder:
    def __init__(self, base: str):
        self.base = base if base.endswith((":", "/")) else base + "/"
        self.g = Graph()
        for prefix, ns in CONTEXT.items():
            self.g.bind(prefix, ns)
        self.g.bind("freq", FREQ)
        self.concepts: set[URIRef] = set()
        self.agents: set[URIRef] = set()

    def uri(self, path: str) -> URIRef:
        return URIRef(self.base + path)

    def concept(self, vocab: type[Labelled], value: str | None) -> URIRef | None:
        """A coded value as a SKOS concept of our scheme, labelled in Chinese."""
        if not value:
            return None
        name = vocab.__name__
        node = URIRef(f"{GS}{name}/{value}")
        if node not in self.concepts:
            self.concepts.add(node)
            label = vocab(value).label if value in {m.value for m in vocab} else value
            self.g.add((node, RDF.type, SKOS.Concept))
            self.g.add((node, SKOS.prefLabel, zh(label)))
            self.g.add((node, SKOS.notation, Literal(value)))
            self.g.add((node, SKOS.inScheme, URIRef(f"{GS}{name}")))
        return node

    def agent(self, provider: Mapping[str, str]) -> URIRef:
        node = self.uri(f"agencies/{provider['credit_code']}")
        if node not in self.agents:
            self.agents.add(node)
            self.g.add((node, RDF.type, FOAF.Agent))
            self.g.add((node, FOAF.name, zh(provider["name"])))
            self.g.add((node, DCTERMS.identifier, Literal(provider["credit_code"])))
        return node


def catalog_graph(meta: Mapping[str, Any], docs: Iterable[Mapping[str, Any]], base: str) -> Graph:
    """The version (`meta`: number, title, status, published_at, …) and its entry documents."""
    b = _Builder(base)
    catalog = b.uri(f"catalog/versions/{meta['number']}")
    g = b.g
    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCTERMS.title, zh(meta["title"])))
    g.add((catalog, DCTERMS.description, zh(meta.get("description", ""))))
    g.add((catalog, OWL.versionInfo, Literal(str(meta["number"]))))
    g.add((catalog, DCTERMS.language, LANG_ZH))
    if meta.get("published_at"):
        g.add((catalog, DCTERMS.issued, Literal(meta["published_at"], datatype=XSD.dateTime)))
    if meta.get("publisher"):
        g.add((catalog, DCTERMS.publisher, b.agent(meta["publisher"])))
    for doc in docs:
        g.add((catalog, DCAT.dataset, _dataset(b, doc)))
    return g


def _dataset(b: _Builder, doc: Mapping[str, Any]) -> URIRef:
    g, code = b.g, doc["resource_code"]
    ds = b.uri(f"catalog/resources/{code}")
    add = g.add
    add((ds, RDF.type, DCAT.Dataset))
    add((ds, DCTERMS.identifier, Literal(code)))
    add((ds, DCTERMS.title, zh(doc["name"])))
    add((ds, DCTERMS.description, zh(doc.get("abstract") or "")))
    add((ds, DCTERMS.publisher, b.agent(doc["provider"])))
    for keyword in _keywords(doc):
        add((ds, DCAT.keyword, zh(keyword)))
    add((ds, DCTERMS.accessRights, b.concept(ShareType, doc["share_type"])))
    _rights(b, ds, doc)
    if doc.get("update_cycle") in FREQUENCIES:
        add((ds, DCTERMS.accrualPeriodicity, FREQ[FREQUENCIES[doc["update_cycle"]]]))
    if doc.get("publish_date"):
        add((ds, DCTERMS.issued, Literal(doc["publish_date"], datatype=XSD.date)))
    add((ds, OWL.versionInfo, Literal(str(doc.get("revision", 1)))))
    for related in doc.get("related_codes") or ():
        add((ds, DCTERMS.relation, b.uri(f"catalog/resources/{related}")))
    _guangzhou(b, ds, doc)
    add((ds, DCAT.distribution, _distribution(b, ds, doc)))
    return ds


def _keywords(doc: Mapping[str, Any]) -> list[str]:
    words = [Category(doc["category"]).label] if doc.get("category") in set(Category) else []
    for vocab, key in ((LibraryGroup, "library_group"), (ResourceKind, "resource_kind")):
        if doc.get(key) in {m.value for m in vocab}:
            words.append(vocab(doc[key]).label)
    return words


def _rights(b: _Builder, ds: URIRef, doc: Mapping[str, Any]) -> None:
    # The share condition (conditional) or the legal basis (not shared) is the statement a
    # requesting agency reads before it asks (GD-4).
    for key, prefix in (("share_condition", "共享条件："), ("legal_basis", "不予共享依据：")):
        if doc.get(key):
            node = BNode()
            b.g.add((node, RDF.type, DCTERMS.RightsStatement))
            b.g.add((node, RDFS.label, zh(prefix + doc[key])))
            b.g.add((ds, DCTERMS.rights, node))


def _guangzhou(b: _Builder, ds: URIRef, doc: Mapping[str, Any]) -> None:
    g = b.g
    for vocab, key, prop in ((DeadlineClass, "deadline_class", GS.updateDeadline),
                             (ResourceKind, "resource_kind", GS.resourceKind),
                             (LibraryGroup, "library_group", GS.libraryGroup),
                             (UpdateCycle, "update_cycle", GS.updateCycle)):
        if doc.get(key):
            g.add((ds, prop, b.concept(vocab, doc[key])))
    for key, prop in (("update_frequency", GS.updateFrequency), ("timeliness", GS.timeliness)):
        if doc.get(key):
            g.add((ds, prop, zh(doc[key])))
    scope = doc.get("share_scope") or {}
    for level in scope.get("levels", []):
        g.add((ds, GS.shareScopeLevel, Literal(level)))
    for agency_id in scope.get("agency_ids", []):
        g.add((ds, GS.shareScopeAgency, Literal(agency_id)))
    for key, prop in (("open_to_public", GS.openToPublic), ("is_base_information", GS.baseInformation),
                      ("used_in_licensing", GS.usedInLicensing)):
        g.add((ds, prop, Literal(bool(doc.get(key)))))
    if doc.get("open_condition"):
        g.add((ds, GS.openCondition, zh(doc["open_condition"])))


def _distribution(b: _Builder, ds: URIRef, doc: Mapping[str, Any]) -> URIRef:
    g = b.g
    dist = URIRef(f"{ds}#distribution")
    mode = doc.get("share_mode")
    g.add((dist, RDF.type, DCAT.Distribution))
    label = ShareMode(mode).label if mode in {m.value for m in ShareMode} else mode
    g.add((dist, DCTERMS.title, zh(f"共享方式：{label}")))
    g.add((dist, GS.shareMode, b.concept(ShareMode, mode)))
    g.add((dist, DCTERMS.accessRights, b.concept(ShareType, doc["share_type"])))
    fmt = BNode()
    g.add((fmt, RDF.type, DCTERMS.MediaTypeOrExtent))
    g.add((fmt, RDFS.label, zh(FormatClass(doc["format_class"]).label
                               if doc.get("format_class") in set(FormatClass) else "")))
    if doc.get("format_type"):
        g.add((fmt, SKOS.notation, Literal(doc["format_type"])))
    g.add((dist, DCTERMS.format, fmt))
    g.add((dist, DCTERMS.conformsTo, _schema(b, ds, doc)))
    return dist


def _schema(b: _Builder, ds: URIRef, doc: Mapping[str, Any]) -> URIRef:
    """The information items as a CSVW table schema, in their catalog order."""
    g = b.g
    schema = URIRef(f"{ds}#schema")
    g.add((schema, RDF.type, CSVW.Schema))
    g.add((schema, RDF.type, DCTERMS.Standard))
    columns = []
    for i, item in enumerate(doc.get("items", [])):
        col = URIRef(f"{ds}#item-{i + 1}")
        columns.append(col)
        g.add((col, RDF.type, CSVW.Column))
        g.add((col, CSVW.name, Literal(item["name"])))
        g.add((col, CSVW.title, zh(item["name"])))
        g.add((col, CSVW.datatype, XSD_TYPES.get(item["data_type"], XSD.string)))
        g.add((col, GS.dataType, b.concept(DataType, item["data_type"])))
        if item.get("length"):
            g.add((col, GS.length, Literal(item["length"])))
        for vocab, key, prop in ((ShareType, "share_type", DCTERMS.accessRights),
                                 (Sensitivity, "sensitivity", GS.sensitivity),
                                 (SubjectKey, "subject_key", GS.subjectKey)):
            if item.get(key):
                g.add((col, prop, b.concept(vocab, item[key])))
        if item.get("base_item_code"):
            g.add((col, GS.baseItem, URIRef(f"{GS}BaseItem/{item['base_item_code']}")))
    head = BNode()
    Collection(g, head, columns)
    g.add((schema, CSVW.column, head))
    return schema


def serialize(graph: Graph, fmt: str) -> str:
    """JSON-LD (`jsonld`, compacted with our prefixes) or Turtle (`ttl`)."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    if fmt == "jsonld":
        return graph.serialize(format="json-ld", context=CONTEXT, indent=1, ensure_ascii=False)
    return graph.serialize(format="turtle")
