"""Search over the published shared catalog: the index and the queries that read it.

What is searched is what every agency may see: the entries of the published version, as frozen in
its VersionEntry documents. `reindex_published` is called in the transaction that publishes a
version and replaces the whole index, so a search sees either the old version or the new one.

How (measured in benchmarks/catalog_search.py, 100,000 entries with 1,000,000 items):
- Terms are Chinese character bigrams plus whole letter-or-digit runs, computed in Python
  (`search_terms`), so both engines index the same terms and a two-character query such as 婚姻
  is one exact term. Trigram indexes (FTS5 `trigram`, pg_trgm) cannot serve two-character queries,
  and neither engine's stock tokenizer segments Chinese.
- SQLite: a contentless FTS5 table (columns name, body, facets; `detail=column`, no positions).
  PostgreSQL: a table of two tsvector columns (name terms; all terms) with GIN indexes, built with
  `array_to_tsvector` so no text-search parser touches the terms. Both are `catalog_search_fts`.
- Filters are terms of the same index (`_st_conditional`, `_cl_101`), so filtering is an
  intersection inside the index instead of a join over every text hit.
- Ranking is by tier: entries whose *name* holds every term come first, then those that match
  in abstract, items or provider; within a tier, resource-code order. A tier is read with
  ORDER BY id LIMIT, which both indexes answer without sorting because ids follow resource code.
  Relevance scores (bm25, ts_rank) would have to score every hit — tens of thousands for 信息 —
  before returning ten.
- Totals are counted up to a cap (`COUNT_CAP`, or further when the page asked for lies beyond it):
  an exact count of a broad query visits every hit. On PostgreSQL `count(*)` of 公民身份号码 (an
  item of every entry) read all 9,084 heap pages of the index table, 70–120 ms, whatever VACUUM
  had done: GIN has no index-only scans and a bitmap heap scan fetches every page it counts.
  FTS5 walked five doclists of 100,000 rows for it, about 100 ms. A capped count stops after
  COUNT_CAP + 1 hits; `Found.total_is_exact` says which kind of total it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from govshare.catalog import search_terms
from govshare.catalog.models import VersionEntry
from govshare.catalog.search_models import SearchEntry
from govshare.catalog.search_terms import Term, facet
from govshare.catalog.snapshot import thaw

BATCH = 2000
COUNT_CAP = 1000  # totals beyond this show as "more than 1,000"


# --- building the index ----------------------------------------------------------------------

def reindex_published(session: Session, version_id: int) -> None:
    """Make the search index describe the entries of the version just published."""
    _clear(session)
    rows = session.execute(
        select(VersionEntry.entry_id, VersionEntry.content)
        .where(VersionEntry.version_id == version_id).order_by(VersionEntry.resource_code),
        execution_options={"yield_per": BATCH})
    documents = ((entry_id, thaw(content)) for entry_id, content in rows)
    for batch in _batches(enumerate(documents, start=1)):
        index_documents(session, version_id, batch)
    if _dialect(session) == "postgresql":
        _settle_postgres(session)


def index_documents(session: Session, version_id: int,
                    numbered: Iterable[tuple[int, tuple[int, dict]]]) -> None:
    """Add (position, (entry id, frozen document)) to the index; position becomes the row id."""
    rows, terms = [], []
    for position, (entry_id, doc) in numbered:
        rows.append(_shown(position, version_id, entry_id, doc))
        terms.append((position, *_terms(doc)))
    if not rows:
        return
    session.execute(insert(SearchEntry), rows)
    _insert_terms(session, terms)


def _batches(iterable: Iterable, size: int = BATCH) -> Iterator[list]:
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def _shown(position: int, version_id: int, entry_id: int, doc: dict) -> dict:
    """The columns a result list shows and filters on."""
    return {"id": position, "version_id": version_id, "entry_id": entry_id,
            "resource_code": doc["resource_code"], "name": doc["name"],
            "abstract": doc.get("abstract") or "",
            "item_names": "、".join(item["name"] for item in doc["items"]),
            "provider_agency_id": doc["agency_id"], "provider_name": doc["provider"]["name"],
            "classification": _classification(doc), "share_type": doc["share_type"],
            "share_mode": doc["share_mode"], "resource_kind": doc["resource_kind"],
            "library_group": doc["library_group"]}


def _classification(doc: dict) -> str:
    return f"{doc['category']}{doc['subcategory']}{doc['subject']}{doc.get('detail') or ''}"


def _terms(doc: dict) -> tuple[list[str], list[str], list[str]]:
    """(name terms, body terms, filter terms) of one document."""
    name = search_terms.index_terms(doc["name"])
    body = search_terms.index_terms(doc.get("abstract") or "", doc["provider"]["name"],
                                    doc["resource_code"], *(i["name"] for i in doc["items"]))
    facets = [facet("st", doc["share_type"]), facet("sm", doc["share_mode"]),
              facet("rk", doc["resource_kind"]), facet("lg", doc["library_group"]),
              facet("ag", doc["agency_id"])]
    facets += [facet("cl", p) for p in search_terms.classification_prefixes(_classification(doc))]
    return name, body, facets


def _insert_terms(session: Session, rows: list[tuple[int, list[str], list[str], list[str]]]) -> None:
    if _dialect(session) == "postgresql":
        session.execute(text(
            "INSERT INTO catalog_search_fts (id, name_terms, all_terms) VALUES "
            "(:id, array_to_tsvector(CAST(:name AS text[])), array_to_tsvector(CAST(:all AS text[])))"),
            [{"id": i, "name": name, "all": name + body + facets} for i, name, body, facets in rows])
        return
    session.execute(text(
        "INSERT INTO catalog_search_fts (rowid, name, body, facets) VALUES (:id, :name, :body, :facets)"),
        [{"id": i, "name": " ".join(name), "body": " ".join(body), "facets": " ".join(facets)}
         for i, name, body, facets in rows])


def _clear(session: Session) -> None:
    if _dialect(session) == "postgresql":
        # DELETE, not TRUNCATE: searches running meanwhile keep reading the old version.
        session.execute(text("DELETE FROM catalog_search_fts"))
    else:
        # A contentless FTS5 table forgets everything only through its 'delete-all' command.
        session.execute(text("INSERT INTO catalog_search_fts (catalog_search_fts) VALUES ('delete-all')"))
    session.execute(delete(SearchEntry))


def _settle_postgres(session: Session) -> None:
    # Fresh GIN entries wait in a pending list that every search would scan; merge them now, and
    # give the planner the new term statistics before the first search of the new version.
    for index in ("ix_catalog_search_fts_name_terms", "ix_catalog_search_fts_all_terms"):
        session.execute(text("SELECT gin_clean_pending_list(CAST(:ix AS regclass))"), {"ix": index})
    session.execute(text("ANALYZE catalog_search_fts"))


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


# --- reading it --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Found:
    ids: list[int]  # SearchEntry ids of one page, in rank order
    total: int  # every hit if total_is_exact, else a lower bound: there are more than this
    total_is_exact: bool = True


def find(session: Session, terms: list[Term], facets: list[str], limit: int, offset: int,
         count_cap: int = COUNT_CAP) -> Found:
    """One page of hits: name hits first, then the rest, each in resource-code order."""
    if not terms and not facets:
        ids = session.scalars(select(SearchEntry.id).order_by(SearchEntry.id)
                              .limit(limit).offset(offset))
        return Found(list(ids), _entry_count(session))
    match = _matcher(session, terms, facets)
    cap = max(count_cap, offset + limit)
    counted = match.count("all", cap + 1)
    total, exact = min(counted, cap), counted <= cap
    if not terms:
        return Found(match.ids("all", limit, offset), total, exact)
    named = match.ids("name", limit, offset)
    if len(named) == limit:
        return Found(named, total, exact)
    # Where the name tier ends: known from this page unless the page starts after it — then the
    # tier has at most `offset` hits, so a count capped there is exact.
    name_total = offset + len(named) if named or not offset else match.count("name", offset)
    rest = match.ids("other", limit - len(named), max(offset - name_total, 0))
    return Found(named + rest, total, exact)


def _entry_count(session: Session) -> int:
    # Ids are positions 1..n (index_documents), so the highest is the count: one index probe.
    return session.scalar(select(func.max(SearchEntry.id))) or 0


def fetch(session: Session, ids: list[int]) -> list[SearchEntry]:
    rows = {row.id: row for row in session.scalars(select(SearchEntry).where(SearchEntry.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def providers(session: Session) -> list[tuple[int, str]]:
    """The agencies that provide something in the published catalog, by name."""
    rows = session.execute(select(SearchEntry.provider_agency_id, SearchEntry.provider_name)
                           .distinct().order_by(SearchEntry.provider_name))
    return [(agency_id, name) for agency_id, name in rows]


def indexed_version_id(session: Session) -> int | None:
    return session.scalar(select(SearchEntry.version_id).limit(1))


def _matcher(session: Session, terms: list[Term], facets: list[str]):
    if _dialect(session) == "postgresql":
        return _PostgresMatch(session, terms, facets)
    return _SqliteMatch(session, terms, facets)


class _SqliteMatch:
    """FTS5 MATCH expressions: every term quoted (so it is taken as a word, not syntax)."""

    def __init__(self, session: Session, terms: list[Term], facets: list[str]):
        self.session = session
        words = " AND ".join(_fts_word(t.text, t.prefix) for t in terms)
        wanted = " AND ".join([f"({words})"] * bool(words) + [_fts_word(f, False) for f in facets])
        self.expressions = {"all": wanted, "name": f"{wanted} AND name : ({words})",
                            "other": f"({wanted}) NOT name : ({words})"}

    def count(self, tier: str, cap: int) -> int:
        """Hits of the tier, counted up to `cap`."""
        return self.session.scalar(text(
            "SELECT count(*) FROM (SELECT rowid FROM catalog_search_fts "
            "WHERE catalog_search_fts MATCH :m LIMIT :cap)"),
            {"m": self.expressions[tier], "cap": cap}) or 0

    def ids(self, tier: str, limit: int, offset: int) -> list[int]:
        return list(self.session.scalars(text(
            "SELECT rowid FROM catalog_search_fts WHERE catalog_search_fts MATCH :m "
            "ORDER BY rowid LIMIT :limit OFFSET :offset"),
            {"m": self.expressions[tier], "limit": limit, "offset": offset}))


def _fts_word(word: str, prefix: bool) -> str:
    return '"' + word.replace('"', '""') + '"' + ("*" if prefix else "")


class _PostgresMatch:
    """tsquery text cast directly (no parser): lexemes are taken exactly as indexed.

    The name tier asks name_terms for the words and all_terms only for the filters: all_terms
    holds every name term, and asking both for the words made the planner multiply two
    selectivities of one fact (户籍: 3,300 named hits estimated as 110), sort them all instead
    of walking the primary key, and spend 5–20 ms on what takes 0.2.
    Plans are custom per query (`plan_cache_mode`): psycopg prepares a statement after five
    runs and the server may then reuse one generic plan for 信息 and for 收养 alike."""

    def __init__(self, session: Session, terms: list[Term], facets: list[str]):
        self.session = session
        words = " & ".join(_ts_word(t.text, t.prefix) for t in terms)
        filters = " & ".join(_ts_word(f, False) for f in facets)
        self.params = {"all": " & ".join(part for part in (words, filters) if part),
                       "name": words, "filters": filters}
        filtered = " AND all_terms @@ CAST(:filters AS tsquery)" if filters else ""
        self.where = {"all": "all_terms @@ CAST(:all AS tsquery)",
                      "name": f"name_terms @@ CAST(:name AS tsquery){filtered}",
                      "other": "all_terms @@ CAST(:all AS tsquery) "
                               "AND NOT name_terms @@ CAST(:name AS tsquery)"}
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))

    def count(self, tier: str, cap: int) -> int:
        """Hits of the tier, counted up to `cap`."""
        return self.session.scalar(text(
            f"SELECT count(*) FROM (SELECT 1 FROM catalog_search_fts WHERE {self.where[tier]} "
            "LIMIT :cap) AS hits"), {**self.params, "cap": cap}) or 0

    def ids(self, tier: str, limit: int, offset: int) -> list[int]:
        return list(self.session.scalars(text(
            f"SELECT id FROM catalog_search_fts WHERE {self.where[tier]} "
            "ORDER BY id LIMIT :limit OFFSET :offset"),
            {**self.params, "limit": limit, "offset": offset}))


def _ts_word(word: str, prefix: bool) -> str:
    quoted = "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted + (":*" if prefix else "")
