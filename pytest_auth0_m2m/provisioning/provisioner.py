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
from pathlib import Path
from typing import NamedTuple

from pytest_auth0_m2m.auth0 import hosts
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
    LEGACY_LEASES,
    METADATA_KEYS_MAX,
    YOUNG_APP,
    Lease,
    RunInfo,
    Settle,
    app_lock,
    dead_runs,
    host_id,
    lease_key,
    leases_in,
    lock_dir,
)
from pytest_auth0_m2m.provisioning.tags import META_TAG, AppTagger
from pytest_auth0_m2m.provisioning.tokens import TokenCache

# client_metadata keys (at most 10, string values of at most 255 characters).
META_PLUGIN = "pytest_auth0_m2m"  # "1": made by this plugin; nothing without it is ever touched
META_HASH = "scope_hash"
META_CREATED = "created_at"
META_USED = "last_used"
# META_TAG ("tag", provisioning/tags.py): the HMAC that proves the provisioner made the app.
# Each run's lease is a key of its own, lease_<run id> (coordination.py); the rest of the 10.
PLUGIN_KEYS = (META_PLUGIN, META_HASH, META_CREATED, META_USED, META_TAG)
MAX_LEASES = METADATA_KEYS_MAX - len(PLUGIN_KEYS)

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


def app_key(scopes: Iterable[str], api: str | None = None) -> str:
    """The key of a scope set's app: its scope hash on the Management API, and for one of the
    user's own APIs (``api``: its identifier) a hash over the identifier too, so the same
    scope names on two APIs make two apps. The app's tag stays bound to the tenant's
    Management API audience (tags.py), so teardown and sweep check it unchanged."""
    if api is None:
        return scope_hash(scopes)
    text = "\n".join(["api", api, *sorted(set(scopes))])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def app_name(scopes: Iterable[str], api: str | None = None) -> str:
    """Deterministic and readable: ``pytest-auth0-m2m <hash> read:users update:users``
    (``... <hash> https://orders.example.com read:orders`` for an own API)."""
    ordered = sorted(set(scopes))
    where = f"{api} " if api is not None else ""
    name = f"{NAME_PREFIX} {app_key(ordered, api)} {where}{' '.join(ordered) or '(no scope)'}"
    return name if len(name) <= NAME_MAX else name[: NAME_MAX - 3] + "..."


def is_plugin_app(client: JSONDict) -> bool:
    metadata = client.get("client_metadata") or {}
    return isinstance(metadata, dict) and metadata.get(META_PLUGIN) == "1"


def _metadata(client: JSONDict) -> dict[str, str]:
    metadata = client.get("client_metadata") or {}
    return {str(k): str(v) for k, v in metadata.items()} if isinstance(metadata, dict) else {}


def _created(client: JSONDict) -> float:
    try:
        return float(_metadata(client).get(META_CREATED, ""))
    except ValueError:
        return float("inf")


def _oldest(clients: list[JSONDict]) -> JSONDict:
    """Two runs on two machines may both create an app for one set: every run that sees both
    agrees on one, the oldest by created_at, then the smallest client id."""
    return min(clients, key=lambda c: (_created(c), str(c["client_id"])))


def _live_leases(client: JSONDict, now: float, here: str) -> list[Lease]:
    return [lease for lease in leases_in(_metadata(client)) if lease.alive(now, here)]


def _too_many_keys(exc: ManagementError) -> bool:
    """Auth0's 400 for an 11th client_metadata key (another run took the last lease slot)."""
    return exc.status == 400 and "maximum 10" in exc.message


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
    # Cold starts racing another run: the twin this run made, deleted (or left, unleased, for
    # the sweeper when delete:clients is missing or a run already leased it).
    duplicates_deleted: int = 0
    duplicates_left: int = 0
    leases_full: int = 0  # apps already holding MAX_LEASES leases: used without one

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
        peers: bool | None = None,
        locks: Path | None = None,
    ) -> None:
        self.mgmt = mgmt
        self.tagger = tagger if tagger is not None else AppTagger.for_client(mgmt)
        self.run = run
        self.stats = stats if stats is not None else ProvisionStats()
        self.clock = clock
        self.settle = settle if settle is not None else Settle()
        self.audience = mgmt.endpoints.audience
        # Whether other runs may share the tenant: a live one, yes; fake mode's emulator belongs
        # to this process alone, so its cold starts skip the convergence wait.
        self.peers = peers if peers is not None else mgmt.endpoints.mode == "live"
        # App locks: by default shared by this user's sessions on this machine (lock_dir).
        self.locks = locks if locks is not None else lock_dir(run.state_dir)
        self._groups: dict[str, list[JSONDict]] | None = None  # scope hash -> apps, listed once
        self._chosen: dict[str, JSONDict] = {}  # scope hash -> the app this process settled on
        self._slowest_create = 0.0  # seconds, this process's slowest list-create-tag
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

    def _list_groups(self) -> dict[str, list[JSONDict]]:
        """The verified apps of each scope hash, as the tenant lists them now."""
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
        self._groups = by_hash
        return by_hash

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

    def find_app(
        self, scopes: frozenset[str], fresh: bool = False, api: str | None = None
    ) -> JSONDict | None:
        """The scope set's app by the rule every run applies (``_oldest``), or None."""
        key = app_key(scopes, api)
        if not fresh and key in self._chosen:
            return self._chosen[key]
        groups = self._list_groups() if self._groups is None or fresh else self._groups
        group = groups.get(key)
        return _oldest(group) if group else None

    def _young(self, app: JSONDict) -> bool:
        """Made so recently that a peer's twin may not be listed yet (coordination.YOUNG_APP)."""
        return self.peers and self.clock() - _created(app) < YOUNG_APP

    def ensure_app(self, scopes: frozenset[str], api: str | None = None) -> JSONDict:
        """The scope set's app, created (holding this run's lease) if there is none.

        Cold starts: sessions on this machine take turns under ``app_lock``; runs elsewhere
        (another CI job, another machine) may each create one, since Auth0 has no unique names
        or transactions. A run that created an app, or found one young enough to have a twin
        on the way, waits out a peer's list-create-tag (``Settle.converge_delay``) and lists the
        scope set's verified apps again: every run then sees the same apps and keeps the one
        ``_oldest`` picks; a run whose own app lost deletes it and uses the winner."""
        key = app_key(scopes, api)
        app = self.find_app(scopes, api=api)
        if (
            app is not None
            and app.get("client_secret")
            and (key in self._chosen or not self._young(app))
        ):
            return self._choose(key, app)
        with app_lock(self.locks, self.mgmt.endpoints.domain, key):
            started = time.monotonic()
            app = self.find_app(scopes, fresh=True, api=api)
            if app is not None and self._young(app):
                app = self._converge(key, None)
            if app is not None:
                return self._choose(key, app)
            app = self._create(scopes, key, api)
            self.stats.apps_created += 1
            self._resolved.add(key)
            self._slowest_create = max(self._slowest_create, time.monotonic() - started)
            winner = self._converge(key, app) if self.peers else app
            return self._choose(key, winner or app)

    def _choose(self, key: str, app: JSONDict) -> JSONDict:
        if key not in self._resolved:
            self._resolved.add(key)
            self.stats.apps_reused += 1
        self._chosen[key] = app
        return app

    def _create(self, scopes: frozenset[str], key: str, api: str | None = None) -> JSONDict:
        now = int(self.clock())
        lease = self.run.lease(now)
        body = {
            "name": app_name(scopes, api),
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
                lease.key: lease.value,
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
                    and metadata.get(lease.key) == lease.value
                    and META_TAG not in metadata
                ):
                    return client
            return None

        app = self.mgmt.create_client(body, lookup=lookup)
        # The client id exists only now: the tag is written right after the create.
        self._tag(app, key)
        self._leased.add(str(app["client_id"]))
        return app

    def _converge(self, key: str, mine: JSONDict | None) -> JSONDict | None:
        """After a peer's cold start has had time to show its app: the scope set's app every
        run agrees on (``mine`` counted even if the listing lags behind our own create); None
        if a young app found before has gone meanwhile."""
        self.settle.sleep(self.settle.converge_delay(self._slowest_create))
        group = list(self._list_groups().get(key, []))
        if mine is not None and all(c["client_id"] != mine["client_id"] for c in group):
            group.append(mine)
        if not group:
            return None
        winner = _oldest(group)
        if mine is not None and winner["client_id"] != mine["client_id"]:
            self._drop_twin(mine)
        if not winner.get("client_secret"):  # listed without it: ask for the one app
            winner = self.mgmt.get_client(str(winner["client_id"])) or winner
        return winner

    def _drop_twin(self, mine: JSONDict) -> None:
        """Our app lost to an older twin: our lease goes, then the app, unless another run has
        leased it meanwhile (one that took it for the winner) or delete:clients is missing;
        then it is left, unleased and ungranted, for the sweeper."""
        client_id = str(mine["client_id"])
        self._leased.discard(client_id)
        written = self.mgmt.update_client(
            client_id, {"client_metadata": {lease_key(self.run.run_id): None}}
        )
        if not _live_leases(written, self.clock(), host_id()) and (
            DELETE_APPS_SCOPE in self.mgmt.provisioner_scopes()
        ):
            self.mgmt.delete_client(client_id)
            self.stats.duplicates_deleted += 1
        else:
            self.stats.duplicates_left += 1

    # --- leases ----------------------------------------------------------------------------
    #
    # One client_metadata key per run (coordination.py): a lease write changes only its own key,
    # so runs cannot erase each other's leases. What is left is ordering against a teardown:
    # run A drops its lease, sees no other and deletes the grant, while run B's lease lands
    # just after A looked. B therefore waits (Settle) after its lease write before it looks for
    # the grant: A's delete, decided before B's write, has landed by then, and B makes the grant
    # again. Residual risk: a delete held up longer than that wait (429/5xx retries, a far
    # slower network) removes the grant B found; ProvisionedSource.token repairs that on the
    # 403 (see _release_all).

    def _holds(self, client: JSONDict, now: float) -> bool:
        """This run's lease is there, alive, and not yet half-way to expiry."""
        key = lease_key(self.run.run_id)
        lease = Lease.from_item(key, _metadata(client).get(key))
        return (
            lease is not None
            and lease.alive(now, host_id())
            and (lease.expires > now + LEASE_TTL / 2)
        )

    def _lease_patch(self, client: JSONDict, now: float) -> JSONDict | None:
        """This run's lease, last_used, and nulls for other runs' dead leases; None if the
        result would exceed Auth0's 10 keys (MAX_LEASES runs already hold the app)."""
        metadata = _metadata(client)
        here = host_id()
        patch: JSONDict = {}
        for name, value in metadata.items():
            lease = Lease.from_item(name, value)
            if lease is not None and lease.run_id != self.run.run_id and not lease.alive(now, here):
                patch[name] = None
        legacy = metadata.get(LEGACY_LEASES)
        if legacy is not None and not any(
            lease.alive(now, here) for lease in leases_in({LEGACY_LEASES: legacy})
        ):
            patch[LEGACY_LEASES] = None
        lease = self.run.lease(now)
        patch[lease.key] = lease.value
        patch[META_USED] = str(int(now))
        kept = {name for name in metadata if patch.get(name, "") is not None}
        if len(kept | {name for name, value in patch.items() if value is not None}) > (
            METADATA_KEYS_MAX
        ):
            return None
        return patch

    def take_lease(self, client_id: str, refresh: bool = False) -> None:
        """Write this run's lease key (clearing dead ones) so other runs leave the grant alone,
        then wait (see above). ``refresh`` checks again after the first time. An app already
        holding MAX_LEASES leases is used without one (counted as ``leases_full``)."""
        if client_id in self._leased and not refresh:
            return
        for _attempt in range(LEASE_ATTEMPTS):
            started = time.monotonic()
            client = self.mgmt.get_client(client_id)
            if client is None or not self.trusted(client):
                raise ProvisioningError(
                    f"pytest-auth0-m2m: app {client_id} vanished while in use (swept by another "
                    "job, or its tag was removed?). Run the tests again; they will make a new "
                    "one."
                )
            now = self.clock()
            if self._holds(client, now):
                self._leased.add(client_id)
                return
            patch = self._lease_patch(client, now)
            if patch is None:
                self.stats.leases_full += 1
                self._leased.add(client_id)
                return
            try:
                written = self.mgmt.update_client(client_id, {"client_metadata": patch})
            except ManagementError as exc:
                if _too_many_keys(exc):  # another run took the last slot: look again
                    continue
                raise
            self.settle.observe(time.monotonic() - started)
            if self._holds(written, self.clock()):
                self.settle.wait()
                self._leased.add(client_id)
                return
        raise ProvisioningError(
            f"pytest-auth0-m2m: this run's lease on app {client_id} was undone "
            f"{LEASE_ATTEMPTS} times in a row; expected its lease_{self.run.run_id} key to "
            "stay in the app's client_metadata. Is something other than pytest-auth0-m2m "
            "rewriting that app's metadata? Stop it, or run fewer jobs on this tenant at once."
        )

    # --- grants ----------------------------------------------------------------------------

    def ensure_grant(
        self, app: JSONDict, scopes: frozenset[str], force: bool = False, api: str | None = None
    ) -> None:
        """A grant on the Management API (or ``api``, an own API's identifier) with exactly
        ``scopes``: created, or PATCHed back."""
        client_id = str(app["client_id"])
        if client_id in self._granted and not force:
            return
        key = app_key(scopes, api)
        audience = api if api is not None else self.audience
        # Recorded first: if this process dies from here on, the next run knows what to repair.
        self.run.state.record_app(client_id, key)
        with app_lock(self.locks, self.mgmt.endpoints.domain, key):
            # Forced after a 403 or a drifted grant: the lease is checked again (it may have
            # been removed). The wait inside take_lease puts find_grant after any delete decided
            # before our lease landed (see _release_all).
            self.take_lease(client_id, refresh=force)
            grant = self.mgmt.find_grant(client_id, audience)
            if grant is None:
                self.mgmt.create_grant(client_id, audience, sorted(scopes))
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
        """``release`` for many apps: per app a read (the tag is checked before any write), one
        PATCH nulling the ending runs' lease keys, and the decision on what that PATCH answers:
        the merged metadata as it stands once our keys are gone. A run whose lease lands after
        that answer waits (take_lease) before it looks for the grant, so it finds our delete
        done and makes the grant again; for the residual risk see the leases section."""
        here = host_id()
        results: dict[str, str] = {}
        for client_id, ending in apps:
            client = self.mgmt.get_client(client_id)
            if client is None or not self.trusted(client):
                results[client_id] = "gone"
                continue
            drop: JSONDict = {
                lease.key: None
                for lease in leases_in(_metadata(client))
                if lease.run_id in ending and lease.key in _metadata(client)
            }
            if drop:
                drop[META_USED] = str(int(self.clock()))
                client = self.mgmt.update_client(client_id, {"client_metadata": drop})
            remaining = [
                lease
                for lease in _live_leases(client, self.clock(), here)
                if lease.run_id not in ending
            ]
            if remaining:
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
        return (
            f"ProvisionedSource(domain={hosts.masked(self.endpoints.domain)!r}, "
            f"mode={self.endpoints.mode!r})"
        )

    @property
    def mgmt(self) -> ManagementClient:
        return self.provisioner.mgmt

    def _app(self, scopes: frozenset[str], api: str | None = None) -> JSONDict:
        if not self._checked:
            check_provisioner(self.mgmt, delete_apps=self.delete_apps)
            self._checked = True
        return self.provisioner.ensure_app(scopes, api)

    def credentials(self, scopes: frozenset[str]) -> AppCredentials:
        return self.api_credentials(None, scopes)

    def token(self, scopes: frozenset[str]) -> str:
        return self.api_token(None, scopes)

    def api_credentials(self, api: str | None, scopes: frozenset[str]) -> AppCredentials:
        """The app of (``api``, ``scopes``) granted exactly them; ``api`` None: the
        Management API."""
        app = self._app(scopes, api)
        self.provisioner.ensure_grant(app, scopes, api=api)
        return AppCredentials(
            domain=self.endpoints.domain,
            client_id=str(app["client_id"]),
            client_secret=str(app["client_secret"]),
            audience=api if api is not None else self.endpoints.audience,
            token_url=self.endpoints.token_url,
        )

    def api_token(self, api: str | None, scopes: frozenset[str]) -> str:
        """A token for ``api`` (None: the Management API) whose scope is exactly ``scopes``."""
        app = self._app(scopes, api)
        client_id = str(app["client_id"])

        def fetch() -> tuple[str, int]:
            self.provisioner.ensure_grant(app, scopes, api=api)
            for attempt in range(2):
                try:
                    response = self.mgmt.auth.client_credentials(
                        client_id, str(app["client_secret"]), audience=api
                    )
                except ManagementError as exc:
                    # Another run's teardown deleted the grant (our lease was lost, or it ran
                    # into the residual window described in Provisioner._release_all): take the
                    # lease again and recreate the grant, once.
                    if attempt == 0 and _no_grant(exc):
                        self.provisioner.ensure_grant(app, scopes, force=True, api=api)
                        continue
                    raise
                if response.scope == scopes:
                    self.stats.tokens_fetched += 1
                    return response.access_token, response.expires_in
                if attempt == 0:  # the grant drifted (edited by hand?): PATCH it back
                    self.provisioner.ensure_grant(app, scopes, force=True, api=api)
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
        if any(lease.alive(now, here) for lease in leases_in(metadata)):
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
