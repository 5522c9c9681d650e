"""Per-scope-set M2M apps and grants: find or create, lease, repair, tear down, sweep.

Auth0 puts every granted scope in a client-credentials token (docs/auth0-wire.md), so a token
with exactly a test's scopes needs an app whose grant is exactly those scopes: one app per scope
set, found again by the scope hash in its ``client_metadata`` and reused across runs, but only if
its tag verifies (provisioning/tags.py): an app anyone else tagged is never granted, reused or
swept. Grants are
made on first use and deleted at the end of the run unless another run still holds a lease on
the app.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from pytest_auth0_m2m.auth0.endpoints import AppCredentials, TenantEndpoints
from pytest_auth0_m2m.auth0.management import (
    GRANT_HINT,
    JSONDict,
    ManagementClient,
    ManagementError,
)
from pytest_auth0_m2m.provisioning.coordination import (
    LEASE_ATTEMPTS,
    LEASE_TTL,
    STALE_READ,
    Lease,
    RunInfo,
    Settle,
    app_lock,
    dead_runs,
    encode_leases,
    host_id,
    parse_leases,
)
from pytest_auth0_m2m.provisioning.tags import META_TAG, AppTagger
from pytest_auth0_m2m.provisioning.tokens import TokenCache

# client_metadata keys (at most 10, string values of at most 255 characters).
META_PLUGIN = "pytest_auth0_m2m"  # "1": made by this plugin; nothing without it is ever touched
META_HASH = "scope_hash"
META_CREATED = "created_at"
META_USED = "last_used"
META_LEASES = "leases"
# META_TAG ("tag", provisioning/tags.py): the HMAC that proves the provisioner made the app.

NAME_PREFIX = "pytest-auth0-m2m"
NAME_MAX = 128

# What the provisioner needs before it may write anything.
REQUIRED_SCOPES: tuple[str, ...] = (
    "read:clients",
    "create:clients",
    "update:clients",
    "read:client_keys",
    "read:client_grants",
    "create:client_grants",
    "update:client_grants",
    "delete:client_grants",
)
DELETE_APPS_SCOPE = "delete:clients"


class ProvisioningError(RuntimeError):
    """Provisioning cannot go on; the message says why and what to change."""


def scope_hash(scopes: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(sorted(set(scopes))).encode()).hexdigest()[:16]


def app_name(scopes: Iterable[str]) -> str:
    """Deterministic and readable: ``pytest-auth0-m2m <hash> read:users update:users``."""
    ordered = sorted(set(scopes))
    name = f"{NAME_PREFIX} {scope_hash(ordered)} {' '.join(ordered) or '(no scope)'}"
    return name if len(name) <= NAME_MAX else name[: NAME_MAX - 3] + "..."


def is_plugin_app(client: JSONDict) -> bool:
    metadata = client.get("client_metadata") or {}
    return isinstance(metadata, dict) and metadata.get(META_PLUGIN) == "1"


def _metadata(client: JSONDict) -> dict[str, str]:
    metadata = client.get("client_metadata") or {}
    return {str(k): str(v) for k, v in metadata.items()} if isinstance(metadata, dict) else {}


def _oldest(clients: list[JSONDict]) -> JSONDict:
    """Two runs on two machines may both create an app for one set: all agree on the oldest."""
    return min(clients, key=lambda c: (_metadata(c).get(META_CREATED, ""), c["client_id"]))


class _Read(NamedTuple):
    client: JSONDict | None
    started: float  # time.monotonic() before the GET
    finished: float  # and after its answer


@dataclass
class ProvisionStats:
    apps_created: int = 0
    apps_reused: int = 0
    apps_deleted: int = 0
    grants_created: int = 0
    grants_patched: int = 0
    grants_deleted: int = 0
    tokens_fetched: int = 0
    tokens_cached: int = 0
    apps_retagged: int = 0  # verified with AUTH0_PREVIOUS_CLIENT_SECRET, tagged again

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def check_provisioner(mgmt: ManagementClient, delete_apps: bool = False) -> None:
    """Refuse before the first write when the provisioner's grant lacks a needed scope."""
    have = mgmt.provisioner_scopes()
    needed = [*REQUIRED_SCOPES, *([DELETE_APPS_SCOPE] if delete_apps else [])]
    missing = [scope for scope in needed if scope not in have]
    if missing:
        raise ProvisioningError(
            f"pytest-auth0-m2m: the provisioner app (AUTH0_CLIENT_ID) lacks "
            f"{', '.join(missing)} on the Management API, so no app or grant was created. "
            f"Add {'these scopes' if len(missing) > 1 else 'this scope'} to it: {GRANT_HINT}."
        )


class Provisioner:
    """Apps and grants on one tenant for one run."""

    def __init__(
        self,
        mgmt: ManagementClient,
        run: RunInfo,
        stats: ProvisionStats | None = None,
        clock: Callable[[], float] = time.time,
        settle: Settle | None = None,
        tagger: AppTagger | None = None,
    ) -> None:
        self.mgmt = mgmt
        self.tagger = tagger if tagger is not None else AppTagger.for_client(mgmt)
        self.run = run
        self.stats = stats if stats is not None else ProvisionStats()
        self.clock = clock
        self.settle = settle if settle is not None else Settle()
        self.audience = mgmt.endpoints.audience
        self._apps: dict[str, JSONDict] | None = None  # scope hash -> client, listed once
        self._leased: set[str] = set()
        self._granted: set[str] = set()
        self._resolved: set[str] = set()  # scope hashes whose app this process has counted
        self.ignored: set[str] = set()  # plugin-looking apps whose tag does not verify

    def trusted(self, client: JSONDict) -> bool:
        """A plugin app whose tag verifies: the only kind this run reuses, grants or deletes."""
        return is_plugin_app(client) and (
            self.tagger.verify(client, _metadata(client).get(META_HASH, ""), self.audience)
            is not None
        )

    # --- apps ------------------------------------------------------------------------------

    def _list_apps(self) -> dict[str, JSONDict]:
        clients = self.mgmt.list_clients(
            fields=["client_id", "name", "client_metadata", "client_secret"]
        )
        by_hash: dict[str, list[JSONDict]] = {}
        for client in clients:
            if not is_plugin_app(client):
                continue
            key = _metadata(client).get(META_HASH, "")
            verdict = self.tagger.verify(client, key, self.audience)
            if verdict is None:
                # Planted, or made before tags (or under a secret no longer known): left alone.
                self.ignored.add(str(client.get("client_id")))
                continue
            if verdict == "previous":
                self._tag(client, key)
                self.stats.apps_retagged += 1
            by_hash.setdefault(key, []).append(client)
        if self.ignored:
            self.run.state.record_ignored(self.ignored)
        return {key: _oldest(group) for key, group in by_hash.items()}

    def _tag(self, client: JSONDict, key: str) -> None:
        """Write the app's tag (one key: Auth0 merges client_metadata)."""
        client_id = str(client["client_id"])
        tag = self.tagger.tag(client_id, key, self.audience)
        self.mgmt.update_client(client_id, {"client_metadata": {META_TAG: tag}})
        metadata = client.get("client_metadata")
        client["client_metadata"] = {
            **(metadata if isinstance(metadata, dict) else {}),
            META_TAG: tag,
        }

    def find_app(self, scopes: frozenset[str], fresh: bool = False) -> JSONDict | None:
        if self._apps is None or fresh:
            self._apps = self._list_apps()
        return self._apps.get(scope_hash(scopes))

    def ensure_app(self, scopes: frozenset[str]) -> JSONDict:
        """The scope set's app, created (holding this run's lease) if there is none."""
        key = scope_hash(scopes)
        app = self.find_app(scopes)
        if app is not None and app.get("client_secret"):
            self._count_reuse(key)
            return app
        with app_lock(self.run.state_dir, self.mgmt.endpoints.domain, key):
            app = self.find_app(scopes, fresh=True)
            if app is not None:
                self._count_reuse(key)
                return app
            now = int(self.clock())
            lease = self.run.lease(now).encode()
            body = {
                "name": app_name(scopes),
                "description": f"{NAME_PREFIX}: one app per scope set; swept by "
                "`python -m pytest_auth0_m2m sweep`.",
                "app_type": "non_interactive",
                "grant_types": ["client_credentials"],
                "token_endpoint_auth_method": "client_secret_post",
                "client_metadata": {
                    META_PLUGIN: "1",
                    META_HASH: key,
                    META_CREATED: str(now),
                    META_USED: str(now),
                    META_LEASES: lease,
                },
            }

            def lookup() -> JSONDict | None:
                # An ambiguous failure may have hidden the create: the app is ours if it is
                # untagged and carries exactly the lease (run id, pid, expiry) this POST sent.
                for client in self.mgmt.list_clients(
                    fields=["client_id", "name", "client_metadata", "client_secret"]
                ):
                    metadata = _metadata(client)
                    if (
                        is_plugin_app(client)
                        and metadata.get(META_HASH) == key
                        and metadata.get(META_LEASES) == lease
                        and META_TAG not in metadata
                    ):
                        return client
                return None

            app = self.mgmt.create_client(body, lookup=lookup)
            # The client id exists only now: the tag is written right after the create.
            self._tag(app, key)
            self.stats.apps_created += 1
            self._resolved.add(key)
            self._leased.add(app["client_id"])
            assert self._apps is not None
            self._apps[key] = app
            return app

    def _count_reuse(self, key: str) -> None:
        if key not in self._resolved:
            self._resolved.add(key)
            self.stats.apps_reused += 1

    # --- leases ----------------------------------------------------------------------------
    #
    # There is no compare-and-swap on a client and a PATCH replaces the whole client_metadata,
    # so a lease write based on a read that predates another run's write erases that write.
    # Every lease change is therefore read back after a settle wait (coordination.Settle) and
    # written again if it was lost: a write that erased ours was based on a read taken before
    # ours landed and reaches the tenant within about one round trip of that read, so it has
    # landed by the time we read back. No contention costs one read-back per write.
    # Residual risk: a peer's PATCH held up longer than our wait (its client retrying after a
    # 429 or 5xx, or a far slower network than ours) can still erase our lease after we checked
    # it; the peer's teardown may then delete the grant we use, which the 403 path in
    # ProvisionedSource.token repairs (see _release_all).

    def _read(self, client_id: str) -> _Read:
        """The app as the tenant has it now, timed on this process's monotonic clock."""
        started = time.monotonic()
        client = self.mgmt.get_client(client_id)
        return _Read(client, started, time.monotonic())

    def _write(self, client_id: str, read: _Read, leases: list[Lease]) -> bool:
        """PATCH ``leases`` over ``read``; False (nothing written) if ``read`` went stale."""
        if read.client is None or time.monotonic() - read.finished > STALE_READ:
            return False
        metadata = _metadata(read.client)
        metadata[META_LEASES] = encode_leases(leases)
        metadata[META_USED] = str(int(self.clock()))
        self.mgmt.update_client(client_id, {"client_metadata": metadata})
        self.settle.observe(time.monotonic() - read.started)
        return True

    def _settle_leases(
        self,
        client_id: str,
        change: Callable[[list[Lease]], list[Lease]],
        done: Callable[[list[Lease]], bool],
        read: _Read | None = None,
    ) -> tuple[JSONDict | None, bool]:
        """Read (or take ``read``), write ``change`` unless ``done``, wait, read back; again
        until ``done`` holds on a fresh read. Returns that read (None or not a plugin app if the
        app is gone) and whether ``done`` held within LEASE_ATTEMPTS writes."""
        read = read or self._read(client_id)
        for attempt in range(LEASE_ATTEMPTS + 1):
            client = read.client
            if client is None or not self.trusted(client):
                return client, False
            leases = parse_leases(_metadata(client).get(META_LEASES))
            if done(leases):
                return client, True
            if attempt == LEASE_ATTEMPTS:
                break
            if self._write(client_id, read, change(leases)):
                self.settle.wait()
            read = self._read(client_id)
        return read.client, False

    def _holds(self, leases: list[Lease], now: float) -> bool:
        """This run's lease is there, alive, and not yet half-way to expiry."""
        here = host_id()
        return any(
            lease.run_id == self.run.run_id
            and lease.alive(now, here)
            and lease.expires > now + LEASE_TTL / 2
            for lease in leases
        )

    def take_lease(self, client_id: str, refresh: bool = False) -> None:
        """Add this run's lease (dropping dead ones) so other runs leave the grant alone; read
        back until it is seen to have stuck. ``refresh`` checks again after the first time."""
        if client_id in self._leased and not refresh:
            return
        here = host_id()

        def add(leases: list[Lease]) -> list[Lease]:
            now = self.clock()
            others = [
                lease
                for lease in leases
                if lease.run_id != self.run.run_id and lease.alive(now, here)
            ]
            return [*others, self.run.lease(now)]

        client, held = self._settle_leases(
            client_id, add, lambda leases: self._holds(leases, self.clock())
        )
        if client is None or not self.trusted(client):
            raise ProvisioningError(
                f"pytest-auth0-m2m: app {client_id} vanished while in use (swept by another "
                "job, or its tag was removed?). Run the tests again; they will make a new one."
            )
        if not held:
            raise ProvisioningError(
                f"pytest-auth0-m2m: this run's lease on app {client_id} was overwritten "
                f"{LEASE_ATTEMPTS} times in a row; expected it to stay in the app's "
                "client_metadata. Is something other than pytest-auth0-m2m rewriting that "
                "app's metadata? Stop it, or run fewer jobs on this tenant at once."
            )
        self._leased.add(client_id)

    # --- grants ----------------------------------------------------------------------------

    def ensure_grant(self, app: JSONDict, scopes: frozenset[str], force: bool = False) -> None:
        """A grant on the Management API with exactly ``scopes``: created, or PATCHed back."""
        client_id = str(app["client_id"])
        if client_id in self._granted and not force:
            return
        key = scope_hash(scopes)
        # Recorded first: if this process dies from here on, the next run knows what to repair.
        self.run.state.record_app(client_id, key)
        with app_lock(self.run.state_dir, self.mgmt.endpoints.domain, key):
            # Forced after a 403 or a drifted grant: another run may have dropped our lease
            # (and deleted the grant) believing the app unused, so the lease is checked again.
            # The read-back inside take_lease also puts find_grant after any delete decided
            # before our lease landed (see _release_all).
            self.take_lease(client_id, refresh=force)
            grant = self.mgmt.find_grant(client_id, self.audience)
            if grant is None:
                self.mgmt.create_grant(client_id, self.audience, sorted(scopes))
                self.stats.grants_created += 1
            elif frozenset(grant.get("scope") or ()) != scopes:
                self.mgmt.update_grant(str(grant["id"]), sorted(scopes))
                self.stats.grants_patched += 1
        self._granted.add(client_id)

    # --- teardown and repair ---------------------------------------------------------------

    def release(
        self,
        client_id: str,
        run_ids: Iterable[str],
        *,
        keep: bool = False,
        delete_app: bool = False,
    ) -> str:
        """Drop the runs' leases; then, if no live lease remains, delete the app's grants
        (and the app with ``delete_app``). Returns "gone", "held", "kept" or "deleted"."""
        return self._release_all([(client_id, set(run_ids))], keep=keep, delete_app=delete_app)[
            client_id
        ]

    def _release_all(
        self, apps: list[tuple[str, set[str]]], *, keep: bool, delete_app: bool
    ) -> dict[str, str]:
        """``release`` for many apps with one settle wait between the writes and read-backs."""
        here = host_id()

        def dropper(ending: set[str]) -> Callable[[list[Lease]], list[Lease]]:
            def drop(leases: list[Lease]) -> list[Lease]:
                now = self.clock()
                return [
                    lease
                    for lease in leases
                    if lease.run_id not in ending and lease.alive(now, here)
                ]

            return drop

        def dropped(ending: set[str]) -> Callable[[list[Lease]], bool]:
            return lambda leases: not any(lease.run_id in ending for lease in leases)

        # Phase 1: one write per app that still carries an ending run's lease.
        reads: dict[str, _Read | None] = {}
        for client_id, ending in apps:
            read = reads[client_id] = self._read(client_id)
            if read.client is not None and self.trusted(read.client):
                leases = parse_leases(_metadata(read.client).get(META_LEASES))
                if not dropped(ending)(leases):
                    self._write(client_id, read, dropper(ending)(leases))
                    reads[client_id] = None  # read back after the wait (or again, if stale)
        if None in reads.values():
            self.settle.wait()

        # Phase 2: read back (fresh), then decide. A run that wrote its lease before our
        # read-back is seen here. One whose lease lands after it reads back after its own settle
        # wait (several of our round trips), so its find_grant comes after our delete below and
        # it makes the grant again. Residual risk: if our delete is held up longer than that
        # (429/5xx retries) or the other run's network is far slower than ours, its grant can go
        # from under it; ProvisionedSource.token then gets Auth0's 403 "no client-grant",
        # re-takes the lease and recreates the grant, but a test that requested its own token
        # with m2m_credentials in that window fails once.
        results: dict[str, str] = {}
        for client_id, ending in apps:
            client, settled = self._settle_leases(
                client_id, dropper(ending), dropped(ending), read=reads[client_id]
            )
            if client is None or not self.trusted(client):
                results[client_id] = "gone"
                continue
            now = self.clock()
            remaining = [
                lease
                for lease in parse_leases(_metadata(client).get(META_LEASES))
                if lease.run_id not in ending and lease.alive(now, here)
            ]
            if remaining or not settled:  # not settled: our lease keeps coming back; keep all
                results[client_id] = "held"
                continue
            if keep:
                results[client_id] = "kept"
                continue
            for grant in self.mgmt.list_grants(client_id=client_id):
                if grant.get("client_id") == client_id and self.mgmt.delete_grant(str(grant["id"])):
                    self.stats.grants_deleted += 1
            if delete_app and self.mgmt.delete_client(client_id):
                self.stats.apps_deleted += 1
            results[client_id] = "deleted"
        return results

    def teardown(self, *, keep: bool = False, delete_apps: bool = False) -> None:
        """This run's teardown, plus the repair of runs on this host that died before theirs."""
        apps = dict(self.run.state.load().get("apps", {}))
        ending = {self.run.run_id}
        self._release_all(
            [(client_id, ending) for client_id in apps], keep=keep, delete_app=delete_apps
        )
        self.repair(keep=keep, delete_apps=delete_apps)

    def repair(self, *, keep: bool = False, delete_apps: bool = False) -> int:
        """Finish the teardown of crashed runs on this tenant; returns how many were repaired."""
        repaired = 0
        for state in dead_runs(self.run.state_dir):
            data = state.load()
            if data.get("domain") != self.mgmt.endpoints.domain:
                continue
            ending = {state.run_id}
            self._release_all(
                [(client_id, ending) for client_id in data.get("apps", {})],
                keep=keep,
                delete_app=delete_apps,
            )
            state.remove()
            repaired += 1
        return repaired


# --- the token source for live and fake sessions --------------------------------------------


def _no_grant(exc: ManagementError) -> bool:
    return exc.status == 403 and "client-grant" in exc.message


@dataclass
class ProvisionedSource:
    """``source.TokenSource`` backed by real (or emulated) apps, grants and tokens."""

    endpoints: TenantEndpoints
    provisioner: Provisioner
    cache: TokenCache
    stats: ProvisionStats = field(default_factory=ProvisionStats)
    on_close: Callable[[ProvisionedSource], None] | None = None
    # --auth0-delete-apps: teardown deletes the apps, so delete:clients is checked up front too.
    delete_apps: bool = False
    _checked: bool = False
    _closed: bool = False

    def __repr__(self) -> str:
        return f"ProvisionedSource(domain={self.endpoints.domain!r}, mode={self.endpoints.mode!r})"

    @property
    def mgmt(self) -> ManagementClient:
        return self.provisioner.mgmt

    def _app(self, scopes: frozenset[str]) -> JSONDict:
        if not self._checked:
            check_provisioner(self.mgmt, delete_apps=self.delete_apps)
            self._checked = True
        return self.provisioner.ensure_app(scopes)

    def credentials(self, scopes: frozenset[str]) -> AppCredentials:
        app = self._app(scopes)
        self.provisioner.ensure_grant(app, scopes)
        return AppCredentials(
            domain=self.endpoints.domain,
            client_id=str(app["client_id"]),
            client_secret=str(app["client_secret"]),
            audience=self.endpoints.audience,
            token_url=self.endpoints.token_url,
        )

    def token(self, scopes: frozenset[str]) -> str:
        app = self._app(scopes)
        client_id = str(app["client_id"])

        def fetch() -> tuple[str, int]:
            self.provisioner.ensure_grant(app, scopes)
            for attempt in range(2):
                try:
                    response = self.mgmt.auth.client_credentials(
                        client_id, str(app["client_secret"])
                    )
                except ManagementError as exc:
                    # Another run's teardown deleted the grant (our lease was lost, or it ran
                    # into the residual window described in Provisioner._release_all): take the
                    # lease again and recreate the grant, once.
                    if attempt == 0 and _no_grant(exc):
                        self.provisioner.ensure_grant(app, scopes, force=True)
                        continue
                    raise
                if response.scope == scopes:
                    self.stats.tokens_fetched += 1
                    return response.access_token, response.expires_in
                if attempt == 0:  # the grant drifted (edited by hand?): PATCH it back
                    self.provisioner.ensure_grant(app, scopes, force=True)
            raise ProvisioningError(
                f"pytest-auth0-m2m: app {client_id} got a token whose scopes differ from "
                f"{sorted(scopes)} even after its grant was set back. Is something else "
                "editing this app's grant? `python -m pytest_auth0_m2m sweep --yes` resets it."
            )

        token, cached = self.cache.get_or_fetch(self.endpoints.domain, scopes, client_id, fetch)
        if cached:
            self.stats.tokens_cached += 1
        return token

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            if self.on_close is not None:
                self.on_close(self)
        finally:
            self.mgmt.close()


# --- sweeping -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leftover:
    client_id: str
    name: str
    grant_ids: tuple[str, ...]
    idle_seconds: float


class Found(NamedTuple):
    leftovers: list[Leftover]
    held: list[str]  # names of apps a live run holds
    ignored: list[str]  # "client_id 'name'" of plugin-looking apps whose tag does not verify


def find_leftovers(
    mgmt: ManagementClient,
    *,
    older_than: float = 0.0,
    clock: Callable[[], float] = time.time,
    tagger: AppTagger | None = None,
) -> Found:
    """This plugin's apps (their tag verified) that no live run holds (idle at least
    ``older_than`` seconds), with their grants; the names of apps skipped because a run holds
    them; and the apps that look like this plugin's but whose tag does not verify."""
    tagger = tagger if tagger is not None else AppTagger.for_client(mgmt)
    audience = mgmt.endpoints.audience
    now = clock()
    here = host_id()
    leftovers: list[Leftover] = []
    held: list[str] = []
    ignored: list[str] = []
    clients: list[JSONDict] = []
    for c in mgmt.list_clients(fields=["client_id", "name", "client_metadata"]):
        if not is_plugin_app(c):
            continue
        if tagger.verify(c, _metadata(c).get(META_HASH, ""), audience) is None:
            ignored.append(f"{c.get('client_id')} {str(c.get('name'))!r}")
        else:
            clients.append(c)
    if not clients:
        return Found([], [], ignored)
    grants_by_client: dict[str, list[str]] = {}
    for grant in mgmt.list_grants():
        grants_by_client.setdefault(str(grant.get("client_id")), []).append(str(grant["id"]))
    for client in clients:
        metadata = _metadata(client)
        if any(lease.alive(now, here) for lease in parse_leases(metadata.get(META_LEASES))):
            held.append(str(client.get("name")))
            continue
        try:
            last = float(metadata.get(META_USED) or metadata.get(META_CREATED) or 0)
        except ValueError:
            last = 0.0
        idle = now - last
        if idle < older_than:
            continue
        client_id = str(client["client_id"])
        leftovers.append(
            Leftover(
                client_id,
                str(client.get("name")),
                tuple(grants_by_client.get(client_id, ())),
                idle,
            )
        )
    return Found(leftovers, held, ignored)


def sweep(mgmt: ManagementClient, leftovers: Iterable[Leftover]) -> tuple[int, int]:
    """Delete the leftovers' grants, then the apps. Returns (grants, apps) deleted."""
    grants = apps = 0
    for leftover in leftovers:
        for grant_id in leftover.grant_ids:
            grants += mgmt.delete_grant(grant_id)
        apps += mgmt.delete_client(leftover.client_id)
    return grants, apps
