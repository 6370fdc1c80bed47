"""A real WordPress on loopback, for the WordPress channel's tests and benches.

Why it is built this way:

- It is Debian's WordPress (tests/peers/wordpress.sh installs it), not an imitation: the
  slugs, the ``-2`` on a taken slug, the bin's ``__trashed`` rename and the application
  passwords are WordPress's own behaviour.
- Everything lives in one temporary folder: a private MariaDB (unix socket only, no TCP),
  our own ``wp-config.php`` and ``wp-content``, and ``php -S`` on a free 127.0.0.1 port.
  Nothing is written to /etc or /var, no service is started, so several peers can run at
  once and each leaves nothing behind.
- Debian's ``wp-config.php`` reads ``/etc/wordpress``; the top-level PHP files are copied
  so that WordPress finds our config beside them, while the big ``wp-admin`` and
  ``wp-includes`` folders are linked, not copied (it starts in seconds).
- ``WP_ENVIRONMENT_TYPE=local`` is what lets application passwords work over plain http.
- ``php -S`` serves one request at a time unless ``PHP_CLI_SERVER_WORKERS`` is set; a few
  workers let a test hold one answer (``fault("slow")``) while another request is served.
- ``faults=True`` adds a must-use plugin that makes the real WordPress misbehave on
  request (429, 500, 503, a web page with 200, a slow answer after the post was saved),
  so a channel's error handling meets WordPress's own error format.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["WORDPRESS", "WordPressPeer", "missing_parts", "wordpress_peer"]

#: Where Debian's wordpress package puts WordPress.
WORDPRESS = Path("/usr/share/wordpress")
PROGRAMS = ("php", "mariadbd", "mariadb-install-db", "mariadb")
INSTALL_COMMAND = (
    "sh tests/peers/wordpress.sh (as root), or: sudo apt-get install -y --no-install-recommends "
    + ("wordpress mariadb-server php-cli php-mysql php-curl php-xml php-mbstring")
)
ADMIN = "admin"
#: Linked into the private copy; everything else at the top is copied.
LINKED = ("wp-admin", "wp-includes")
#: The newest a start may take (MariaDB's first start on a busy machine is the slow part).
START_TIMEOUT = 60.0
SYSTEM_PROGRAMS = "/usr/local/sbin:/usr/sbin:/sbin"


@dataclass(frozen=True)
class WordPressPeer:
    """A running WordPress: its address, a user that may publish, and that user's application password."""

    base_url: str
    user: str
    app_password: str
    folder: Path

    def fault(self, kind: str | None) -> None:
        """Make the next requests misbehave (needs ``faults=True``); None heals.

        ``404`` (the REST API's own "no route"), ``429``, ``500``, ``502``, ``503``, ``504``
        and ``html`` (a web page with 200) hit POSTs only, or every request with ``-all``
        (``html-all``). ``slow`` holds a send's answer 2 s after the post was saved;
        ``hold`` holds a send *before* the post is saved, until :meth:`release` (at most
        10 s). ``noslug`` makes the posts list ignore its slug filter. ``nopretty`` answers
        every ``/wp-json/`` address with a plain 404 page (a server without the rewrite
        rules), so only ``?rest_route=`` reaches WordPress.
        """
        marker = self.folder / "wp-content" / "fault"
        (self.folder / "wp-content" / "release").unlink(missing_ok=True)
        if kind is None:
            marker.unlink(missing_ok=True)
        else:
            marker.write_text(kind)

    def release(self) -> None:
        """Let a send held by ``hold`` go on and save its post."""
        (self.folder / "wp-content" / "release").write_text("")

    def requests(self) -> list[str]:
        """The request lines php -S logged so far (method and address)."""
        lines = (self.folder / "php.log").read_text(errors="replace").splitlines()
        return [line.split("]: ", 1)[1] for line in lines if "]: " in line and " /" in line]

    def sql(self, statement: str) -> str:
        """Run SQL in the peer's database (as root on its private socket) and return the output."""
        done = subprocess.run(
            [
                _run("mariadb"),
                f"--socket={self.folder / 'mysql.sock'}",
                "-N",
                "-B",
                "wordpress",
                "-e",
                statement,
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        return done.stdout


def missing_parts() -> str | None:
    """What is missing to run the peer, with the command that installs it; None when all is there."""
    absent = [name for name in PROGRAMS if _program(name) is None]
    if not (WORDPRESS / "wp-settings.php").is_file():
        absent.insert(0, "wordpress")
    if not absent:
        done = subprocess.run([_run("php"), "-m"], capture_output=True, text=True, check=False)
        if "mysqli" not in done.stdout:
            absent.append("php-mysql")
    if not absent:
        return None
    return f"The real WordPress peer needs {', '.join(absent)}: run {INSTALL_COMMAND}"


@contextlib.contextmanager
def wordpress_peer(*, faults: bool = False, workers: int = 4) -> Iterator[WordPressPeer]:
    """Start a private WordPress and MariaDB, yield the peer, then stop both and delete everything."""
    problem = missing_parts()
    if problem:
        raise RuntimeError(problem)
    folder = Path(tempfile.mkdtemp(prefix="outagetray-wp-"))
    started: list[subprocess.Popen[bytes]] = []
    try:
        port = _free_port()
        base_url = f"http://127.0.0.1:{port}"
        template = _template()
        if template is not None:
            shutil.copytree(template / "db", folder / "db", symlinks=True)
            started.append(_start_database(folder, fresh=False))
            root = _site(folder, base_url, faults)
            password = (template / "password").read_text().strip()
        else:
            started.append(_start_database(folder, fresh=True))
            root = _site(folder, base_url, faults)
            password = _install(folder, root)
        env = dict(os.environ, PHP_CLI_SERVER_WORKERS=str(max(1, workers)))
        with (folder / "php.log").open("wb") as log:
            started.append(
                subprocess.Popen(
                    [_run("php"), "-S", f"127.0.0.1:{port}", "-t", str(root)],
                    cwd=folder,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        _wait_http(base_url + "/wp-json/", started[-1], folder / "php.log")
        yield WordPressPeer(base_url, ADMIN, password, folder)
    finally:
        for process in reversed(started):
            _stop(process)
        shutil.rmtree(folder, ignore_errors=True)


# -- inside ---------------------------------------------------------------------------------------


def _program(name: str) -> str | None:
    """Where a program is; /usr/sbin too, which a user's PATH often leaves out (mariadbd lives there)."""
    return shutil.which(name) or shutil.which(name, path=SYSTEM_PROGRAMS)


def _run(name: str) -> str:
    return _program(name) or name


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _user() -> str:
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


def _template() -> Path | None:
    """An installed site's database, made once per WordPress and MariaDB version and kept in .peers/.

    Installing WordPress and initialising MariaDB are most of a cold start; a copy of a
    database made earlier (stopped cleanly) starts in a second or two. None when .peers
    cannot be written: then each start installs afresh.
    """
    from tests.support.peers import PEERS

    version = subprocess.run([_run("mariadbd"), "--version"], capture_output=True, check=False).stdout
    made_by = (WORDPRESS / "wp-includes" / "version.php").read_bytes() + version + _INSTALL.encode()
    tag = hashlib.sha256(made_by).hexdigest()[:12]
    base = PEERS / "wordpress"
    target = base / f"template-{tag}"
    if (target / "ready").exists():
        return target
    try:
        base.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="building-", dir=base))
    except OSError:
        return None
    database: subprocess.Popen[bytes] | None = None
    try:
        database = _start_database(work, fresh=True)
        password = _install(work, _site(work, "http://127.0.0.1", faults=False))
        _stop(database)
        database = None
        (work / "password").write_text(password)
        for item in work.iterdir():
            if item.name not in ("db", "password"):
                shutil.rmtree(item) if item.is_dir() and not item.is_symlink() else item.unlink()
        (work / "ready").write_text("")
        with contextlib.suppress(OSError):  # another start made it first: use theirs
            work.rename(target)
    finally:
        if database is not None:
            _stop(database)
        shutil.rmtree(work, ignore_errors=True)
    return target if (target / "ready").exists() else None


def _start_database(folder: Path, *, fresh: bool) -> subprocess.Popen[bytes]:
    data = folder / "db"
    sock = folder / "mysql.sock"
    if not fresh:
        return _run_database(folder)
    subprocess.run(
        [
            _run("mariadb-install-db"),
            f"--user={_user()}",
            f"--datadir={data}",
            "--auth-root-authentication-method=socket",
            "--skip-test-db",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
        timeout=START_TIMEOUT,
    )
    process = _run_database(folder)
    subprocess.run(
        [
            _run("mariadb"),
            f"--socket={sock}",
            "-e",
            "CREATE DATABASE wordpress; CREATE USER 'wp'@'localhost' IDENTIFIED BY 'wp';"
            " GRANT ALL ON wordpress.* TO 'wp'@'localhost'; FLUSH PRIVILEGES;",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return process


def _run_database(folder: Path) -> subprocess.Popen[bytes]:
    """Start MariaDB on the folder's datadir and socket, and wait until it answers."""
    data = folder / "db"
    sock = folder / "mysql.sock"
    process = subprocess.Popen(
        [
            _run("mariadbd"),
            "--no-defaults",
            f"--user={_user()}",
            f"--datadir={data}",
            f"--socket={sock}",
            "--skip-networking",
            f"--pid-file={folder / 'mariadbd.pid'}",
            f"--log-error={folder / 'mariadbd.err'}",
            "--innodb-buffer-pool-size=16M",
            "--innodb-log-file-size=8M",
            "--performance-schema=OFF",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    end = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"MariaDB stopped at start: {_tail(folder / 'mariadbd.err')}")
        if sock.exists():
            done = subprocess.run(
                [_run("mariadb"), f"--socket={sock}", "-e", "SELECT 1"], capture_output=True, check=False
            )
            if done.returncode == 0:
                break
        if time.monotonic() > end:
            process.kill()
            raise RuntimeError("MariaDB did not start in time.")
        time.sleep(0.1)  # an outside process: nothing to await but its socket
    return process


def _site(folder: Path, base_url: str, faults: bool) -> Path:
    """A private WordPress folder: our config, our wp-content, the big parts linked."""
    root = folder / "root"
    root.mkdir()
    for item in WORDPRESS.iterdir():
        if item.name in LINKED:
            (root / item.name).symlink_to(item)
        elif item.is_file() and not item.is_symlink() and item.name != "wp-config.php":
            shutil.copy2(item, root / item.name)
    content = folder / "wp-content"
    (content / "uploads").mkdir(parents=True)
    for part in ("themes", "plugins"):
        source = WORDPRESS / "wp-content" / part
        if source.is_dir():
            (content / part).symlink_to(source)
    if faults:
        (content / "mu-plugins").mkdir()
        (content / "mu-plugins" / "outagetray-faults.php").write_text(_FAULTS)
    sock = folder / "mysql.sock"
    salts = "".join(
        f"define('{name}', 'test-only-{name}');\n"
        for name in (
            "AUTH_KEY",
            "SECURE_AUTH_KEY",
            "LOGGED_IN_KEY",
            "NONCE_KEY",
            "AUTH_SALT",
            "SECURE_AUTH_SALT",
            "LOGGED_IN_SALT",
            "NONCE_SALT",
        )
    )
    (root / "wp-config.php").write_text(
        "<?php\n"
        "define('DB_NAME', 'wordpress');\n"
        "define('DB_USER', 'wp');\n"
        "define('DB_PASSWORD', 'wp');\n"
        f"define('DB_HOST', 'localhost:{sock}');\n"
        "define('DB_CHARSET', 'utf8mb4');\n"
        "define('DB_COLLATE', '');\n"
        "$table_prefix = 'wp_';\n"
        f"{salts}"
        f"define('WP_HOME', '{base_url}');\n"
        f"define('WP_SITEURL', '{base_url}');\n"
        f"define('WP_CONTENT_DIR', '{content}');\n"
        "define('WP_ENVIRONMENT_TYPE', 'local');\n"
        "define('AUTOMATIC_UPDATER_DISABLED', true);\n"
        "define('WP_HTTP_BLOCK_EXTERNAL', true);\n"
        "define('DISABLE_WP_CRON', true);\n"
        "define('WP_DEBUG', false);\n"
        f"if (!defined('ABSPATH')) define('ABSPATH', '{root}/');\n"
        "require_once ABSPATH . 'wp-settings.php';\n"
    )
    return root


def _install(folder: Path, root: Path) -> str:
    """Install the site, pretty permalinks and an admin with an application password (no wp-cli)."""
    script = folder / "install.php"
    script.write_text(_INSTALL)
    done = subprocess.run(
        [_run("php"), str(script)],
        cwd=folder,
        env=dict(os.environ, WP_ROOT=str(root)),
        capture_output=True,
        text=True,
        check=False,
        timeout=START_TIMEOUT,
    )
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    try:
        password = json.loads(last)["password"]
    except (ValueError, KeyError, TypeError):
        raise RuntimeError(f"WordPress did not install: {done.stdout[-400:]} {done.stderr[-400:]}") from None
    return str(password)


def _wait_http(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    end = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"php -S stopped at start: {_tail(log)}")
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > end:
            raise RuntimeError("WordPress did not answer in time.")
        time.sleep(0.05)  # an outside process: nothing to await but its port


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop a process we started, with its children (php -S workers), by its own group id."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, 15)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, 9)
            process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, 9)  # workers left behind by a parent that ended first


def _tail(path: Path) -> str:
    try:
        return path.read_text(errors="replace")[-400:]
    except OSError:
        return ""


_INSTALL = r"""<?php
$_SERVER['HTTP_HOST'] = '127.0.0.1';
$_SERVER['REQUEST_URI'] = '/';
define('WP_INSTALLING', true);
require getenv('WP_ROOT') . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
function wp_new_blog_notification() {}
if (!is_blog_installed()) {
    wp_install('Outage Test Blog', 'admin', 'admin@example.com', true, '', wp_generate_password(24));
}
update_option('permalink_structure', '/%postname%/');
$u = get_user_by('login', 'admin');
$made = WP_Application_Passwords::create_new_application_password($u->ID, ['name' => 'OutageTray']);
$pw = $made[0];
echo "\n", json_encode(['password' => $pw]), "\n";
"""

# A must-use plugin: the test writes one word into wp-content/fault, WordPress obeys.
_FAULTS = r"""<?php
function outagetray_fault() {
    $file = WP_CONTENT_DIR . '/fault';
    return file_exists($file) ? trim(file_get_contents($file)) : '';
}
// "nopretty": /wp-json/ is not routed, as on Apache with Plain permalinks: the server's 404 page.
if (outagetray_fault() === 'nopretty' && strpos($_SERVER['REQUEST_URI'] ?? '', '/wp-json') === 0) {
    http_response_code(404);
    header('Content-Type: text/html; charset=UTF-8');
    echo '<!DOCTYPE html><html><body><h1>Not Found</h1></body></html>';
    exit;
}
add_filter('rest_pre_dispatch', function ($result, $server, $request) {
    $fault = outagetray_fault();
    // A fault hits the POSTs (sends) only, unless it ends in "-all" (look-ups and checks too).
    $everything = substr($fault, -4) === '-all';
    $fault = $everything ? substr($fault, 0, -4) : $fault;
    if ($fault === '' || (!$everything && $request->get_method() !== 'POST')) {
        return $result;
    }
    if ($fault === '429') {
        header('Retry-After: 30');
        return new WP_Error('rest_too_many_requests', 'Too many requests.', ['status' => 429]);
    }
    if ($fault === '404') {
        $said = 'No route was found matching the URL and request method.';
        return new WP_Error('rest_no_route', $said, ['status' => 404]);
    }
    if (in_array($fault, ['500', '502', '503', '504'], true)) {
        return new WP_Error('rest_unavailable', 'The site is busy.', ['status' => (int) $fault]);
    }
    if ($fault === 'html') {
        status_header(200);
        header('Content-Type: text/html; charset=UTF-8');
        echo '<!DOCTYPE html><html><body><h1>Please log in</h1></body></html>';
        exit;
    }
    return $result;
}, 10, 3);
// "noslug": the posts list ignores its slug filter, as a careless cache or plugin might.
add_filter('rest_post_query', function ($args) {
    if (outagetray_fault() === 'noslug') {
        unset($args['post_name__in']);
    }
    return $args;
});
// "hold": the request waits before the post is saved, until the test writes wp-content/release.
add_filter('rest_pre_insert_post', function ($prepared) {
    if (outagetray_fault() === 'hold') {
        for ($i = 0; $i < 500 && !file_exists(WP_CONTENT_DIR . '/release'); $i++) {
            usleep(20000);
        }
    }
    return $prepared;
});
add_action('rest_after_insert_post', function () {
    if (outagetray_fault() === 'slow') {
        sleep(2);
    }
});
"""
