"""The world a `flask seed-scale` run builds its cases in: centers with their catalogue
(through the ORM, once), staff and enterprises (bulk rows), the precomputed item sets,
calendar, file pool and numbering counters.
"""
import dataclasses
import hashlib
import math
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from . import clock, signing
from .auth import twofactor
from .catalog_seed import ensure_industries, seed_center_catalog
from .extensions import db
from .models import ApprovalItem, Case, CaseTemplate, Center, Industry, LimitUnit, Mode, User
from .scale_files import build_pool, pdf_of_size
from .scale_world import (CENTER_COUNT, PRODUCTS, REGION_CODES, ZONES, Calendar, center_fields,
                          enterprise_fields, history_start, person_name, staff_usernames)

PASSWORD = "demo1234"
ITEMSETS_PER_CENTER = 48
# Steps per case, 8–14, about 12.5 on average (≈1.2 M steps for 100,000 cases).
SIZES = (8, 9, 10, 11, 12, 12, 13, 13, 14, 14, 14)
CODE_ALPHABET = signing.CODE_ALPHABET
LOCATIONS = ("汇通产业园区", "创业大街", "科技创新城", "现代物流园", "新材料产业园", "综合保税区")


@dataclass
class Item:
    id: int
    name: str
    stage: str
    stage_order: int
    sort: int
    limit: int
    calendar_days: bool
    commitment: bool
    prerequisites: tuple
    chain: int = 0


@dataclass
class ItemSet:
    template_id: int | None
    template_name: str
    order: list          # Items in working order (prerequisites first)
    requested: str       # "1,4,7" as cases store it
    item_ids: str        # in the case's step order, as agreements store it
    limit: int           # promised working days for the whole case


@dataclass
class CenterInfo:
    id: int
    prefix: str
    zone: str
    region: str
    managers: list = field(default_factory=list)    # [(id, name)]
    agents: list = field(default_factory=list)
    itemsets: list = field(default_factory=list)
    agreement_template_id: int = 0


@dataclass
class EnterpriseInfo:
    id: int
    user_id: int
    name: str
    legal: str
    contact: str
    mobile: str
    brand: str
    center: CenterInfo


class World:
    """What every case needs, computed once: calendar, numbering, files, texts."""

    def __init__(self, dialect, years=3):
        self.today = clock.today()
        self.start = history_start(self.today, years)
        self.cal = Calendar(self.start - timedelta(days=90), self.today + timedelta(days=1500))
        self.today_day = (self.today - self.cal.first).days
        self.today_text = self.today.isoformat()
        self.first_w = self.cal.index_on_or_before(self.start) + 1
        self.cut = self.cal.index_on_or_before(self.today - timedelta(days=1))
        self.suffix = "+00" if dialect == "postgresql" else ""
        self.hms = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]
        self.yellow_days = 2
        self.products = [f"{p}{phase}" for p in PRODUCTS for phase in ("项目", "（一期）项目", "扩建项目")]
        self.locations = LOCATIONS
        self.industry_ids = db.session.scalars(select(Industry.id).order_by(Industry.id)).all()
        self.case_counters, self.agreement_counters = {}, {}

    def case_number(self, center, w):
        """{prefix}-{year}-{seq:05d}: the center's series per year, as workflow numbers them."""
        year = self.cal.text(w)[:4]
        key = (center.id, year)
        self.case_counters[key] = seq = self.case_counters.get(key, 0) + 1
        return f"{center.prefix}-{year}-{seq:05d}"

    def agreement_number(self, center, w):
        year = self.cal.text(w)[:4]
        key = (center.id, year)
        self.agreement_counters[key] = seq = self.agreement_counters.get(key, 0) + 1
        return f"{center.prefix}-DB-{year}-{seq:06d}"

    def verification_code(self, rng):
        return "".join(rng.choices(CODE_ALPHABET, k=8))

    def pick_file(self, rng):
        """(sha256, size, content type, extension): now and then one of the large drawings."""
        return rng.choice(self.large if self.large and rng.random() < 0.03 else self.small)

    def count_existing_numbers(self):
        """Continue each center's case and agreement series (--append)."""
        from .models import Agreement
        for prefix, year, count in _series(Case.number, 5):
            center = self.by_prefix.get(prefix)
            if center:
                self.case_counters[(center.id, year)] = count
        for prefix, year, count in _series(Agreement.number, 6):
            center = self.by_prefix.get(prefix.removesuffix("-DB"))
            if center:
                self.agreement_counters[(center.id, year)] = count


def _series(column, digits):
    """(prefix, year, highest sequence number) of every numbered series in `column`."""
    stem = func.substr(column, 1, func.length(column) - digits - 1)
    rows = db.session.execute(select(stem, func.max(column)).group_by(stem)).all()
    for prefix_year, highest in rows:
        prefix, _, year = prefix_year.rpartition("-")
        yield prefix, year, int(highest.rsplit("-", 1)[1])


# --- centers and their catalogue (ORM: 20 rows and their items, once) ---------------------

def ensure_centers(with_seals):
    """The 20 scale centers (S01..S20) with catalogue and agreement clauses; existing ones
    are reused. Returns [Center] in order."""
    from .documents.seal import init_center_seal
    ensure_industries()
    centers = []
    for n in range(CENTER_COUNT):
        fields = center_fields(n)
        center = db.session.scalar(select(Center).where(
            Center.number_prefix == fields["number_prefix"]))
        if center is None:
            if db.session.scalar(select(Center.id).where(Center.name == fields["name"])):
                fields["name"] += f"（{fields['number_prefix']}）"   # e.g. beside the demo's
            center = Center(**fields)
            db.session.add(center)
            db.session.flush()
        seed_center_catalog(center)
        signing.current_template(center)
        if with_seals:
            init_center_seal(center)
        centers.append(center)
    db.session.commit()
    return centers


def center_infos(centers, rng):
    infos = []
    for n, center in enumerate(centers):
        info = CenterInfo(center.id, center.number_prefix, ZONES[n], REGION_CODES[n])
        info.agreement_template_id = signing.current_template(center).id
        info.itemsets = itemsets_of(center, rng)
        infos.append(info)
    return infos


def _items_of(center):
    items = db.session.scalars(select(ApprovalItem).where(
        ApprovalItem.center_id == center.id, ApprovalItem.retired.is_(False))
        .order_by(ApprovalItem.id)).all()
    return {item.id: Item(item.id, item.name, item.stage.value, item.stage.order, item.sort,
                          item.promised_limit, item.promised_unit is LimitUnit.CALENDAR_DAY,
                          item.mode is Mode.COMMITMENT, tuple(p.id for p in item.prerequisites))
            for item in items}


def itemsets_of(center, rng):
    """Item sets of 8–14 items: a template's items give or take a few, or a free choice."""
    items = _items_of(center)
    templates = db.session.scalars(select(CaseTemplate).where(
        CaseTemplate.center_id == center.id, CaseTemplate.retired.is_(False))
        .order_by(CaseTemplate.id)).all()
    sets = []
    for n in range(ITEMSETS_PER_CENTER):
        template = templates[n % len(templates)] if n % 4 != 3 and templates else None
        chosen = {i.id for i in template.items} if template else set()
        size = rng.choice(SIZES)
        others = [i for i in items if i not in chosen]
        rng.shuffle(others)
        while len(chosen) < size and others:
            chosen.add(others.pop())
        while len(chosen) > size:
            chosen.discard(rng.choice(sorted(chosen)))
        sets.append(_itemset([dataclasses.replace(items[i]) for i in chosen], template))
    return sets


def _itemset(members, template):
    ids = {item.id for item in members}
    by_sort = sorted(members, key=lambda i: (i.stage_order, i.sort, i.id))
    depth, chain = {}, {}

    def walk(item, seen=frozenset()):
        if item.id not in chain:
            before = [walk(p, seen | {item.id}) for p in map(by_id.get, item.prerequisites)
                      if p is not None and p.id not in seen]
            limit = item.limit if not item.calendar_days else math.ceil(item.limit * 5 / 7)
            chain[item.id] = limit + max((c for c, _ in before), default=0)
            depth[item.id] = 1 + max((d for _, d in before), default=0)
        return chain[item.id], depth[item.id]

    by_id = {item.id: item for item in members}
    for item in members:
        walk(item)
    for item in members:
        item_prereqs = tuple(p for p in item.prerequisites if p in ids)
        item.prerequisites = item_prereqs
    order = sorted(members, key=lambda i: (depth[i.id], i.stage_order, i.sort))
    limit = template.overall_limit if template and template.overall_limit else max(chain.values())
    return ItemSet(template.id if template else None, template.name if template else "", order,
                   ",".join(str(i.id) for i in sorted(members, key=lambda i: i.sort)),
                   ",".join(str(i.id) for i in by_sort), limit)


# --- people --------------------------------------------------------------------------------

def shared_secrets():
    """One password hash and one encrypted TOTP secret for everybody: hashing per user
    (scrypt, ~50 ms) would take longer than the whole load."""
    password_hash = generate_password_hash(PASSWORD,
                                           method=current_app.config["PASSWORD_HASH_METHOD"])
    from .demo import DEMO_TOTP_SECRET
    holder = User()
    twofactor.enrol_with_secret(holder, DEMO_TOTP_SECRET)
    return password_hash, holder.totp_secret


def staff_rows(centers, infos, ids, stamp, secrets_):
    """Rows of the staff users not present yet; fills infos' managers and agents."""
    password_hash, totp = secrets_
    existing = dict(db.session.execute(select(User.username, User.id)).all())
    rows = []
    for n, (center, info) in enumerate(zip(centers, infos)):
        for k, (username, role) in enumerate(staff_usernames(n)):
            name = person_name(n * 13 + k)
            user_id = existing.get(username)
            if user_id is None:
                ids["users"] += 1
                user_id = ids["users"]
                rows.append((user_id, username, password_hash, role, name,
                             f"1383541{n:02d}{k:02d}", "", center.id, None, 1, 1, 0, stamp,
                             secrets.token_urlsafe(32), 0, None, totp, stamp, None))
            (info.managers if role == "manager" else info.agents).append((user_id, name))
    return rows


def enterprise_rows(count, infos, ids, first_number, stamp, verified_stamp, secrets_, world):
    """(enterprise rows, user rows, licence document rows, [EnterpriseInfo]) for enterprises
    numbered first_number.. (usernames e000001…; every fifth has a second user e000005-2)."""
    password_hash = secrets_[0]
    enterprises, users, licences, infos_out = [], [], [], []
    for number in range(first_number, first_number + count):
        center = infos[(number - 1) % len(infos)]
        f = enterprise_fields(number, (number - 1) % len(infos))
        ids["enterprises"] += 1
        ent_id = ids["enterprises"]
        manager = center.managers[0][0]
        enterprises.append((ent_id, f["name"], f["uscc"], 0, f["legal_representative"], f["address"],
                            f["contact_person"], f["mobile"], f["email"], center.id, "verified",
                            "已核对营业执照原件，登记信息一致。", manager, verified_stamp, stamp, None,
                            stamp, 1))
        usernames = [f"e{number:06d}"] + ([f"e{number:06d}-2"] if number % 5 == 0 else [])
        for k, username in enumerate(usernames):
            ids["users"] += 1
            name = f["contact_person"] if k == 0 else person_name(number * 7 + 5)
            users.append((ids["users"], username, password_hash, "enterprise", name, f["mobile"],
                          f["email"], None, ent_id, 1, 1, 1, stamp, secrets.token_urlsafe(32), 0,
                          None, None, None, None))
            if k == 0:
                user_id = ids["users"]
        sha, size, _, _ = world.small_pdf
        ids["documents"] += 1
        licences.append((ids["documents"], None, None, ent_id, user_id, "licence", "营业执照.pdf",
                         "application/pdf", size, sha, stamp))
        brand = f["name"][2:5]
        infos_out.append(EnterpriseInfo(ent_id, user_id, f["name"], f["legal_representative"],
                                        f["contact_person"], f["mobile"], brand, center))
    return enterprises, users, licences, infos_out


# --- files -------------------------------------------------------------------------------

def file_pool(world, rng, count=40, large=4):
    """The pool's blobs as rows, and world.small/large/small_pdf for documents to use."""
    pool, rows, world.small, world.large = build_pool(rng, count, large), [], [], []
    for pool_file in pool:
        sha = hashlib.sha256(pool_file.data).hexdigest()
        rows.append((sha, len(pool_file.data), pool_file.data))
        entry = (sha, len(pool_file.data), pool_file.content_type, pool_file.extension)
        (world.large if len(pool_file.data) >= 10_000_000 else world.small).append(entry)
    world.small_pdf = next(e for e in world.small if e[3] == "pdf")
    return rows


def agreement_pdfs(world, infos, rng):
    """One small unsigned and one final PDF per center, shared by its agreements: a real
    agreement is ~100 KB (~130 KB sealed) and unique, which 100,000 cases cannot afford here."""
    world.agreement_pdfs = {}
    for info in infos:
        unsigned = pdf_of_size(3000, rng, f"{info.prefix} agreement")
        final = pdf_of_size(4000, rng, f"{info.prefix} agreement sealed")
        world.agreement_pdfs[info.id] = (unsigned, hashlib.sha256(unsigned).hexdigest(),
                                         final, hashlib.sha256(final).hexdigest())
    world.by_prefix = {info.prefix: info for info in infos}

