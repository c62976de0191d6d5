"""A real Synapse homeserver on 127.0.0.1 for end-to-end tests of the Matrix channel.

Synapse is installed once into its own virtualenv (SYNAPSE_HOME; it cannot share the project's venv because of
dependency clashes) and runs as a foreground child process with its config, SQLite database and logs in a workdir.
Users are created with the shared-secret admin API; an admin token lifts the per-user message rate limit.

E2E recipe for matrix-nio 0.26 (vodozemac), each step checked against this server (tests/test_synapse_harness.py):
1. ``AsyncClient(base_url, user_id, store_path=<own folder per account, created BEFORE login>,
   config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=True))``.
2. ``login(password, device_name=...)`` once per store (each login is a new device that cannot read older
   messages); then ``if client.should_upload_keys: await client.keys_upload()``. Indispensable: without uploaded
   device/one-time keys nobody can share a room key with the device; it only ever sees ``MegolmEvent``.
3. After EVERY ``sync()`` do what ``sync_forever`` does: ``send_to_device_messages()``; ``keys_upload()`` if
   ``should_upload_keys``; ``keys_query()`` if ``should_query_keys``; ``keys_claim(get_users_for_key_claiming())``
   if ``should_claim_keys``. ``keys_query`` is the one that matters: ``room_send`` queries keys only while the
   room's members are not synced yet (first send), so a device that appears later (a resident's new phone) gets
   no room key without it and sees ``MegolmEvent``.
4. Send with ``room_send(..., ignore_unverified_devices=True)`` (else ``OlmUnverifiedDeviceError``). No device
   verification/trust and no explicit ``share_group_session``: ``room_send`` claims one-time keys and shares the
   megolm session itself, also with invited members who have not joined yet.
5. Receive by syncing (with step 3) until the event comes: it arrives as ``RoomMessageText`` with ``decrypted``
   True; the m.room_key to-device message comes in the same sync. ``MegolmEvent``: no key for it.
6. Bot restart with the same store: ``AsyncClient(..., device_id=..., store_path=...)`` +
   ``restore_login(user_id, device_id, access_token)`` (loads the crypto store), then the first sync must be
   ``sync(full_state=True)``: nio resumes from the stored sync token but does not store rooms, so without it
   ``client.rooms`` stays empty and ``room_send`` raises ``LocalProtocolError("No such room ...")``. That sync
   returns only events after the stored token (messages sent while the bot was down, decrypted); the first sync
   after a fresh ``login()`` replays the history. Room version 12 IDs have no ``:server`` part.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import yaml

SYNAPSE_REQUIREMENT = "matrix-synapse>=1.120,<2"
SYNAPSE_HOME = Path(os.environ.get("QB_TEST_SYNAPSE_HOME") or Path.home() / ".cache" / "quartiersbot-tests" / "synapse")
START_TIMEOUT = 60.0
STOP_TIMEOUT = 10.0
HIGH_RATE = {"per_second": 1000, "burst_count": 10000}
RATE_LIMITS: dict[str, Any] = {
    "rc_message": HIGH_RATE, "rc_registration": HIGH_RATE, "rc_registration_token_validity": HIGH_RATE,
    "rc_login": {"address": HIGH_RATE, "account": HIGH_RATE, "failed_attempts": HIGH_RATE},
    "rc_admin_redaction": HIGH_RATE, "rc_joins": {"local": HIGH_RATE, "remote": HIGH_RATE},
    "rc_joins_per_room": HIGH_RATE, "rc_3pid_validation": HIGH_RATE, "rc_key_requests": HIGH_RATE,
    "rc_invites": {"per_room": HIGH_RATE, "per_user": HIGH_RATE, "per_issuer": HIGH_RATE},
    "rc_third_party_invite": HIGH_RATE, "rc_media_create": HIGH_RATE, "rc_presence": {"per_user": HIGH_RATE},
    "rc_delayed_event_mgmt": HIGH_RATE, "rc_room_creation": HIGH_RATE, "rc_reports": HIGH_RATE,
    "rc_user_directory": HIGH_RATE, "rc_profile": HIGH_RATE,
}
LOG_CONFIG: dict[str, Any] = {  # unbuffered, so that the log tail in errors is complete
    "version": 1, "disable_existing_loggers": False, "root": {"level": "INFO", "handlers": ["file"]},
    "formatters": {"precise": {"format": "%(asctime)s - %(name)s - %(levelname)s - %(request)s - %(message)s"}},
    "handlers": {"file": {"class": "logging.FileHandler", "formatter": "precise", "encoding": "utf8"}},
}


def synapse_python() -> Path:
    return SYNAPSE_HOME / "bin" / "python"


def ensure_installed() -> str:
    """Create the Synapse venv on first use (under a file lock, safe for xdist workers); return Synapse's version."""
    SYNAPSE_HOME.parent.mkdir(parents=True, exist_ok=True)
    marker = SYNAPSE_HOME / "quartiersbot-installed.json"
    with open(SYNAPSE_HOME.parent / f"{SYNAPSE_HOME.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            info = json.loads(marker.read_text()) if marker.exists() else {}
            if info.get("requirement") == SYNAPSE_REQUIREMENT and synapse_python().exists():
                return str(info["version"])
            started = time.monotonic()
            # Re-running both steps repairs a half-finished install and updates an outdated one in place.
            subprocess.run([sys.executable, "-m", "venv", str(SYNAPSE_HOME)], check=True)
            subprocess.run([str(synapse_python()), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                            SYNAPSE_REQUIREMENT], check=True)
            version = subprocess.run([str(synapse_python()), "-c", "import synapse; print(synapse.__version__)"],
                                     check=True, capture_output=True, text=True).stdout.strip()
            marker.write_text(json.dumps({"requirement": SYNAPSE_REQUIREMENT, "version": version,
                                          "install_seconds": round(time.monotonic() - started, 1)}))
            return version
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    """Runs in the child before exec: Linux sends it SIGTERM when the test process dies without stopping it."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG


def _tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return f"({path.name} missing)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


class SynapseError(RuntimeError):
    pass


class Synapse:
    """One homeserver, its config, SQLite database and logs in `workdir`, listening on a free 127.0.0.1 port."""

    server_name: str = "localhost"

    def __init__(self, workdir: Path, *, config_overrides: dict[str, Any] | None = None) -> None:
        """`config_overrides` are top-level homeserver.yaml keys applied when the config is generated (first start),
        e.g. {"rc_message": {"per_second": 0.2, "burst_count": 10}} for Synapse's default message rate limit."""
        self.workdir = workdir.resolve()
        self.config_overrides = config_overrides or {}
        self.config_path = self.workdir / "homeserver.yaml"
        self.log_path = self.workdir / "homeserver.log"
        self.console_path = self.workdir / "console.log"
        self.version = ""
        self._process: asyncio.subprocess.Process | None = None
        self._admin_token: str | None = None
        if self.config_path.exists():  # the data of an earlier instance: keep its port and secret
            config = yaml.safe_load(self.config_path.read_text())
            self.port = int(config["listeners"][0]["port"])
            self.shared_secret = str(config["registration_shared_secret"])
        else:
            self.port = free_port()
            self.shared_secret = secrets.token_hex(24)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def user_id(self, localpart: str) -> str:
        return f"@{localpart}:{self.server_name}"

    def _generate_config(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(synapse_python()), "-m", "synapse.app.homeserver", "--server-name", self.server_name,
                        "--config-path", str(self.config_path), "--generate-config", "--report-stats=no"],
                       cwd=self.workdir, check=True, capture_output=True)
        config = yaml.safe_load(self.config_path.read_text())  # keeps the generated signing key and secrets
        config.pop("pid_file", None)
        log_config = self.workdir / "log.config"
        log_config.write_text(yaml.safe_dump(LOG_CONFIG | {"handlers": {"file": LOG_CONFIG["handlers"]["file"] | {
            "filename": str(self.log_path)}}}))
        (self.workdir / f"{self.server_name}.log.config").unlink(missing_ok=True)  # generated, replaced by ours
        config.update({
            "listeners": [{"port": self.port, "bind_addresses": ["127.0.0.1"], "type": "http", "tls": False,
                           "x_forwarded": False, "resources": [{"names": ["client"], "compress": False}]}],
            "database": {"name": "sqlite3", "args": {"database": str(self.workdir / "homeserver.db")}},
            "log_config": str(log_config), "media_store_path": str(self.workdir / "media_store"),
            "registration_shared_secret": self.shared_secret, "enable_registration": False,
            "federation_domain_whitelist": [], "trusted_key_servers": [], "suppress_key_server_warning": True,
            "report_stats": False, "presence": {"enabled": False}, "enable_metrics": False, **RATE_LIMITS,
        })
        config.update(self.config_overrides)
        self.config_path.write_text(yaml.safe_dump(config, sort_keys=False))

    async def start(self) -> None:
        if self._process is not None and self._process.returncode is None:
            return
        self.version = await asyncio.to_thread(ensure_installed)
        if not self.config_path.exists():
            await asyncio.to_thread(self._generate_config)
        console = await asyncio.to_thread(open, self.console_path, "ab")
        try:  # the child writes to its own copy of the file descriptor
            self._process = await asyncio.create_subprocess_exec(
                str(synapse_python()), "-m", "synapse.app.homeserver", "-c", str(self.config_path),
                cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent)
        finally:
            console.close()
        try:
            await self._wait_until_up()
        except BaseException:
            await self.stop()
            raise

    async def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                assert self._process is not None
                if self._process.returncode is not None:
                    raise SynapseError(f"Synapse exited with {self._process.returncode} during start.\n"
                                       f"{self._logs()}")
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    async with session.get(f"{self.base_url}/_matrix/client/versions",
                                           timeout=aiohttp.ClientTimeout(total=2)) as response:
                        if response.status == 200:
                            return
                await asyncio.sleep(0.2)
        raise SynapseError(f"Synapse did not answer on {self.base_url} within {START_TIMEOUT:.0f} s.\n{self._logs()}")

    def _logs(self) -> str:
        return (f"--- {self.console_path} ---\n{_tail(self.console_path)}\n"
                f"--- {self.log_path} ---\n{_tail(self.log_path)}")

    async def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), STOP_TIMEOUT)
            except TimeoutError:
                process.kill()
                await process.wait()

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def _request(self, method: str, path: str, body: dict[str, Any] | None = None,
                       token: str | None = None) -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with aiohttp.ClientSession() as session, session.request(
                method, f"{self.base_url}{path}", json=body, headers=headers) as response:
            return response.status, await response.json(content_type=None)

    async def register(self, localpart: str, password: str, admin: bool = False) -> str:
        """Create an account with the shared-secret admin API; returns its user id."""
        status, answer = await self._request("GET", "/_synapse/admin/v1/register")
        if status != 200:
            raise SynapseError(f"register nonce: {status} {answer}")
        nonce = answer["nonce"]
        message = b"\x00".join([nonce.encode(), localpart.encode(), password.encode(),
                                b"admin" if admin else b"notadmin"])
        mac = hmac.new(self.shared_secret.encode(), message, hashlib.sha1).hexdigest()
        status, answer = await self._request("POST", "/_synapse/admin/v1/register", {
            "nonce": nonce, "username": localpart, "password": password, "admin": admin, "mac": mac})
        if status != 200:
            raise SynapseError(f"register {localpart}: {status} {answer}")
        return str(answer["user_id"])

    async def login(self, localpart: str, password: str) -> str:
        """Password login with the plain client API; returns a fresh access token (a new device)."""
        status, answer = await self._request("POST", "/_matrix/client/v3/login", {
            "type": "m.login.password", "identifier": {"type": "m.id.user", "user": localpart},
            "password": password})
        if status != 200:
            raise SynapseError(f"login {localpart}: {status} {answer}")
        return str(answer["access_token"])

    async def admin_token(self) -> str:
        if self._admin_token is None:
            localpart = "harness-admin"
            password = hmac.new(self.shared_secret.encode(), b"harness-admin", hashlib.sha256).hexdigest()
            try:
                await self.register(localpart, password, admin=True)
            except SynapseError as error:
                if "M_USER_IN_USE" not in str(error):  # registered by an earlier instance on the same workdir
                    raise
            self._admin_token = await self.login(localpart, password)
        return self._admin_token

    async def lift_ratelimit(self, user_id: str) -> None:
        """Exempt `user_id` from Synapse's per-user message rate limit."""
        status, answer = await self._request(
            "POST", f"/_synapse/admin/v1/users/{quote(user_id)}/override_ratelimit",
            {"messages_per_second": 0, "burst_count": 0}, token=await self.admin_token())
        if status != 200:
            raise SynapseError(f"override_ratelimit {user_id}: {status} {answer}")
