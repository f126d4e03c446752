"""The world a `flask seed-scale` run builds its cases in: the precomputed calendar, file
pool and numbering counters (World), staff and enterprises as bulk rows, and the files they
share. The centers and their item sets come from centers.py.
"""
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from proxy_service.core import clock
from proxy_service.core.extensions import db
from proxy_service.identity import twofactor
from proxy_service.models import Agreement, Case, Industry, User
from proxy_service.seed.demo import DEMO_TOTP_SECRET
from proxy_service.seed.scale.centers import CenterInfo
from proxy_service.seed.scale.files import build_pool, pdf_of_size
from proxy_service.seed.scale.world import (
    PRODUCTS,
    Calendar,
    enterprise_fields,
    history_start,
    person_name,
    staff_usernames,
)
from proxy_service.workflow import agreements as signing

PASSWORD = "demo1234"
CODE_ALPHABET = signing.CODE_ALPHABET
LOCATIONS = ("汇通产业园区", "创业大街", "科技创新城", "现代物流园", "新材料产业园", "综合保税区")


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


# --- people --------------------------------------------------------------------------------

def shared_secrets():
    """One password hash and one encrypted TOTP secret for everybody: hashing per user
    (scrypt, ~50 ms) would take longer than the whole load."""
    password_hash = generate_password_hash(PASSWORD,
                                           method=current_app.config["PASSWORD_HASH_METHOD"])
    holder = User()
    twofactor.enrol_with_secret(holder, DEMO_TOTP_SECRET)
    return password_hash, holder.totp_secret


def staff_rows(centers, infos, ids, stamp, secrets_):
    """Rows of the staff users not present yet; fills infos' managers and agents."""
    password_hash, totp = secrets_
    existing = dict(db.session.execute(select(User.username, User.id)).all())
    rows = []
    for n, (center, info) in enumerate(zip(centers, infos, strict=True)):
        for k, (username, role) in enumerate(staff_usernames(n)):
            name = person_name(n * 13 + k)
            user_id = existing.get(username)
            if user_id is None:
                ids["users"] += 1
                user_id = ids["users"]
                # No e-mail on file: no e-mail notifications (models/users.py); SMS opt-in.
                rows.append((user_id, username, password_hash, role, name,
                             f"1383541{n:02d}{k:02d}", "", center.id, None, 1, 0, 0, stamp,
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

