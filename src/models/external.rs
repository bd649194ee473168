//! An implementation in another process, in any language, spoken to over
//! the JSON-lines protocol of `docs/PROTOCOL.md` ([`crate::models::protocol`]).
//!
//! The people who fix privacy bugs ship servers, not privdiff's models; this
//! adapter lets the engine judge such a server with the same operations,
//! reference and checks. The process is started once (by `sh -c COMMAND`, in
//! a process group of its own), handshaken, and reset before every run.
//! Every call is bounded by a timeout. A crash, a hang, or a malformed or
//! out-of-protocol reply becomes a [`TransportError`] that names the
//! implementation and carries the tail of its stderr, never a panic; the
//! process is then killed (with its whole group) and started again at the
//! next [`Implementation::reset`].

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::models::implementation::{Implementation, TransportError, TransportKind};
use crate::models::protocol::{Reply, Request, WireWorld, PROTOCOL_VERSION};
use crate::world::response::Slot;
use crate::world::{Era, Op, Outcome, World};

/// How long a call may take before the implementation counts as hung,
/// unless the caller or `PRIVDIFF_IMPL_TIMEOUT_MS` says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest reply line accepted; a longer one is malformed (and would
/// otherwise let a broken server exhaust memory).
pub const MAX_LINE: usize = 16 << 20;

/// How many lines of stderr a failure carries.
pub const STDERR_LINES: usize = 20;

/// The environment variable that overrides [`DEFAULT_TIMEOUT`], in
/// milliseconds (for slow servers, or CI machines under load).
pub const TIMEOUT_ENV: &str = "PRIVDIFF_IMPL_TIMEOUT_MS";

/// `NAME=COMMAND` as given to `--impl` (or `PRIVDIFF_IMPL`): the name
/// failures use, and the shell command that starts the implementation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImplSpec {
    /// 1-32 of `a-z 0-9 _ -`.
    pub name: String,
    /// Run by `sh -c`.
    pub command: String,
}

/// Why an `--impl` value could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    /// Not of the form `NAME=COMMAND`.
    #[error("--impl expects NAME=COMMAND (e.g. sqlite=target/release/examples/sqlite_server), got {0:?}")]
    Syntax(String),
    /// The name has characters failures cannot print plainly.
    #[error("--impl name {0:?} must be 1-32 of a-z 0-9 _ - (e.g. sqlite)")]
    Name(String),
    /// The name of a built-in implementation, which failures and case
    /// files could not tell apart from it.
    #[error("--impl name {0:?} is taken by a built-in implementation; choose another")]
    Taken(String),
}

/// Whether `name` can name an external implementation: 1-32 of a-z 0-9
/// `_` `-`, so failures and case files print it plainly.
pub fn valid_impl_name(name: &str) -> bool {
    (1..=32).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl std::str::FromStr for ImplSpec {
    type Err = SpecError;
    fn from_str(s: &str) -> Result<ImplSpec, SpecError> {
        let Some((name, command)) = s.split_once('=') else {
            return Err(SpecError::Syntax(s.to_string()));
        };
        if command.trim().is_empty() {
            return Err(SpecError::Syntax(s.to_string()));
        }
        if !valid_impl_name(name) {
            return Err(SpecError::Name(name.to_string()));
        }
        if name == "legacy" || name == "patched" || name.starts_with("reference") {
            return Err(SpecError::Taken(name.to_string()));
        }
        Ok(ImplSpec { name: name.to_string(), command: command.to_string() })
    }
}

/// The longest timeout [`TIMEOUT_ENV`] may set: an hour.
pub const MAX_TIMEOUT_MS: u64 = 3_600_000;

/// The timeout from [`TIMEOUT_ENV`], else [`DEFAULT_TIMEOUT`]. A value that
/// is not a whole number of milliseconds from 1 to [`MAX_TIMEOUT_MS`] is an
/// error, not the default: a typo must not silently give another limit.
pub fn timeout_from_env() -> Result<Duration, String> {
    let Ok(value) = std::env::var(TIMEOUT_ENV) else { return Ok(DEFAULT_TIMEOUT) };
    match value.trim().parse::<u64>() {
        Ok(ms) if (1..=MAX_TIMEOUT_MS).contains(&ms) => Ok(Duration::from_millis(ms)),
        _ => Err(format!(
            "{TIMEOUT_ENV} must be a whole number of milliseconds from 1 to {MAX_TIMEOUT_MS}, not {value:?}"
        )),
    }
}

/// What the reader thread saw on the implementation's stdout.
enum Line {
    /// One line, without its newline.
    Text(String),
    /// A line longer than [`MAX_LINE`].
    TooLong,
    /// Not UTF-8.
    NotUtf8,
    /// The stream ended: the process closed stdout or died.
    Eof,
    /// Reading failed.
    Failed(std::io::Error),
    /// No whole line within the timeout.
    TimedOut,
}

/// A running implementation.
///
/// Replies are read on the calling thread ([`LineReader`]) and stderr goes
/// to an unlinked file read only when a failure needs its tail: no thread
/// runs beside the fuzzer, so no code whose path depends on scheduling is
/// counted as coverage, and a campaign against an external implementation
/// is as reproducible as one against the built-in models.
struct Process {
    child: Child,
    stdin: ChildStdin,
    lines: LineReader,
    stderr: File,
}

/// An implementation behind the JSON-lines protocol, in a child process.
pub struct External {
    spec: ImplSpec,
    timeout: Duration,
    era: Era,
    /// The name the implementation announced in its handshake.
    announced: String,
    /// Whether its handshake offered the optional digest request.
    digests: bool,
    process: Option<Process>,
    /// The request being written, reused between calls.
    buf: Vec<u8>,
}

impl std::fmt::Debug for External {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("External")
            .field("spec", &self.spec)
            .field("era", &self.era)
            .field("announced", &self.announced)
            .field("running", &self.process.is_some())
            .finish()
    }
}

impl External {
    /// Starts the implementation and checks its handshake, so that a
    /// command that does not start or speaks another protocol version is
    /// reported before any run (the command line turns it into exit 2).
    pub fn start(spec: ImplSpec, timeout: Duration) -> Result<External, TransportError> {
        ignore_sigpipe();
        let mut ext = External {
            spec,
            timeout,
            era: Era::Patched,
            announced: String::new(),
            digests: false,
            process: None,
            buf: Vec::with_capacity(256),
        };
        ext.launch()?;
        Ok(ext)
    }

    /// The command line it was started with.
    pub fn command(&self) -> &str {
        &self.spec.command
    }

    /// The name the implementation gave itself in the handshake.
    pub fn announced_name(&self) -> &str {
        &self.announced
    }

    /// Spawns the process and runs the handshake.
    fn launch(&mut self) -> Result<(), TransportError> {
        let stderr = stderr_file()
            .map_err(|e| self.error(TransportKind::Io, format!("cannot make its stderr file: {e}"), ""))?;
        let child_stderr = stderr
            .try_clone()
            .map_err(|e| self.error(TransportKind::Io, format!("cannot share its stderr file: {e}"), ""))?;
        let mut command = Command::new("sh");
        command.arg("-c").arg(&self.spec.command);
        command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::from(child_stderr));
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            // Its own process group: killing it also kills what `sh` started.
            command.process_group(0);
        }
        // Spawned and registered under the registry's lock: an interrupt
        // (`exit_killing_implementations`) either sees this process or has
        // already exited, holding the lock, before it could start.
        let mut child = {
            let mut groups = LIVE_GROUPS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let child = command.spawn().map_err(|e| self.error(TransportKind::Io, format!("cannot start: {e}"), ""))?;
            groups.push(child.id());
            child
        };
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            kill_group(&mut child);
            return Err(self.error(TransportKind::Io, "cannot open its pipes", ""));
        };
        let lines = LineReader { stdout, buf: Vec::with_capacity(1024) };
        self.process = Some(Process { child, stdin, lines, stderr });

        self.buf.clear();
        let hello = Request::Hello { protocol: PROTOCOL_VERSION };
        serde_json::to_writer(&mut self.buf, &hello).map_err(|e| self.error(TransportKind::Io, e.to_string(), ""))?;
        match self.call("hello")? {
            Reply::Hello { protocol, name, era, digest } if protocol == PROTOCOL_VERSION => {
                self.announced = name;
                self.era = era;
                self.digests = digest;
                Ok(())
            }
            Reply::Hello { protocol, .. } => Err(self.fail(
                TransportKind::OutOfProtocol,
                format!("speaks protocol version {protocol}; privdiff speaks version {PROTOCOL_VERSION}"),
            )),
            other => Err(self.fail(
                TransportKind::OutOfProtocol,
                format!("answered the handshake with a {:?} message", other.type_name()),
            )),
        }
    }

    /// Writes the request in `self.buf` as one line and reads one reply.
    fn call(&mut self, what: &str) -> Result<Reply, TransportError> {
        let Some(p) = self.process.as_mut() else {
            return Err(self.error(
                TransportKind::Io,
                format!("not running (stopped by an earlier failure; reset restarts it), cannot {what}"),
                "",
            ));
        };
        self.buf.push(b'\n');
        let written = p.stdin.write_all(&self.buf).and_then(|()| p.stdin.flush());
        if let Err(e) = written {
            // A broken pipe means it died: say so, with its exit status.
            let (kind, msg) =
                self.exit_reason().unwrap_or((TransportKind::Io, format!("cannot write the {what} request: {e}")));
            return Err(self.fail(kind, msg));
        }
        let timeout = self.timeout;
        let Some(p) = self.process.as_mut() else {
            return Err(self.error(TransportKind::Io, "lost its process", ""));
        };
        match p.lines.next_line(timeout) {
            Line::TimedOut => Err(self.fail(
                TransportKind::TimedOut,
                format!("no answer to the {what} request within {} ms", timeout.as_millis()),
            )),
            Line::Text(text) => self.parse(&text, what),
            Line::TooLong => Err(self.fail(
                TransportKind::Malformed,
                format!("answered the {what} request with a line longer than {MAX_LINE} bytes"),
            )),
            Line::NotUtf8 => Err(self
                .fail(TransportKind::Malformed, format!("answered the {what} request with bytes that are not UTF-8"))),
            Line::Failed(e) => {
                Err(self.fail(TransportKind::Io, format!("cannot read its answer to the {what} request: {e}")))
            }
            Line::Eof => {
                let (kind, msg) = self.exit_reason().unwrap_or((
                    TransportKind::Crashed,
                    format!("closed its stdout instead of answering the {what} request"),
                ));
                Err(self.fail(kind, format!("{msg}, while answering the {what} request")))
            }
        }
    }

    fn parse(&mut self, text: &str, what: &str) -> Result<Reply, TransportError> {
        match serde_json::from_str::<Reply>(text) {
            Ok(reply) => Ok(reply),
            Err(e) => {
                let typed = serde_json::from_str::<serde_json::Value>(text)
                    .ok()
                    .is_some_and(|v| v.get("type").is_some_and(serde_json::Value::is_string));
                let shown: String = text.chars().take(200).collect();
                let (kind, why) = if typed {
                    (TransportKind::OutOfProtocol, format!("a reply the protocol does not allow ({e})"))
                } else {
                    (TransportKind::Malformed, "not a JSON object with a \"type\"".to_string())
                };
                Err(self.fail(kind, format!("answered the {what} request with {why}: {shown:?}")))
            }
        }
    }

    /// If the process has exited (waiting briefly for it), why.
    fn exit_reason(&mut self) -> Option<(TransportKind, String)> {
        let p = self.process.as_mut()?;
        let deadline = Instant::now() + Duration::from_millis(500);
        loop {
            match p.child.try_wait() {
                Ok(Some(status)) => return Some((TransportKind::Crashed, describe_exit(status))),
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(2)),
                Ok(None) | Err(_) => return None,
            }
        }
    }

    /// Stops the process after a failure and builds the error, with the
    /// tail of its stderr.
    fn fail(&mut self, kind: TransportKind, message: impl Into<String>) -> TransportError {
        let tail = match self.process.take() {
            Some(mut p) => {
                kill_group(&mut p.child);
                stderr_tail(&mut p.stderr)
            }
            None => String::new(),
        };
        self.error(kind, message, &tail)
    }

    fn error(&self, kind: TransportKind, message: impl Into<String>, tail: &str) -> TransportError {
        TransportError {
            kind,
            message: format!("implementation {} (`{}`): {}", self.spec.name, self.spec.command, message.into()),
            stderr_tail: tail.to_string(),
        }
    }

    fn expect_outcome(&mut self, reply: Reply) -> Result<Outcome, TransportError> {
        match reply {
            Reply::Ok { response } => Ok(Ok(response)),
            Reply::Error { code } => Ok(Err(code)),
            other @ (Reply::Hello { .. } | Reply::Ready | Reply::Digest { .. }) => Err(self.fail(
                TransportKind::OutOfProtocol,
                format!("answered an apply with a {:?} message", other.type_name()),
            )),
        }
    }
}

impl Implementation for External {
    fn name(&self) -> &str {
        &self.spec.name
    }

    fn era(&self) -> Era {
        self.era
    }

    fn reset(&mut self, world: &World) -> Result<(), TransportError> {
        match self.process.as_mut() {
            None => self.launch()?,
            // Each run's failure carries that run's stderr, and a chatty
            // implementation does not fill the disk over a campaign.
            Some(p) => {
                let _ = p.stderr.set_len(0);
            }
        }
        self.buf.clear();
        let msg = Request::Reset { world: WireWorld::of(world) };
        serde_json::to_writer(&mut self.buf, &msg).map_err(|e| self.error(TransportKind::Io, e.to_string(), ""))?;
        match self.call("reset")? {
            Reply::Ready => Ok(()),
            other @ (Reply::Hello { .. } | Reply::Ok { .. } | Reply::Error { .. } | Reply::Digest { .. }) => Err(self
                .fail(
                    TransportKind::OutOfProtocol,
                    format!("answered a reset with a {:?} message", other.type_name()),
                )),
        }
    }

    fn apply(&mut self, op: &Op, out: &mut Slot) -> Result<(), TransportError> {
        self.buf.clear();
        // The protocol's own type, serialised (a clone per step: the pipe,
        // not the copy, bounds this adapter's speed, docs/PROTOCOL.md).
        let request = Request::Apply { op: op.clone() };
        serde_json::to_writer(&mut self.buf, &request).map_err(|e| self.error(TransportKind::Io, e.to_string(), ""))?;
        let reply = self.call("apply")?;
        out.set(self.expect_outcome(reply)?);
        Ok(())
    }

    fn digest(&mut self) -> Result<Option<u128>, TransportError> {
        if !self.digests {
            return Ok(None);
        }
        self.buf.clear();
        serde_json::to_writer(&mut self.buf, &Request::Digest)
            .map_err(|e| self.error(TransportKind::Io, e.to_string(), ""))?;
        match self.call("digest")? {
            Reply::Digest { digest } => match u128::from_str_radix(&digest, 16) {
                Ok(d) if digest.len() == 32 => Ok(Some(d)),
                Ok(_) | Err(_) => Err(self.fail(
                    TransportKind::OutOfProtocol,
                    format!("answered the digest request with {digest:?}, not 32 hexadecimal digits"),
                )),
            },
            other @ (Reply::Hello { .. } | Reply::Ready | Reply::Ok { .. } | Reply::Error { .. }) => Err(self.fail(
                TransportKind::OutOfProtocol,
                format!("answered a digest request with a {:?} message", other.type_name()),
            )),
        }
    }
}

impl Drop for External {
    fn drop(&mut self) {
        if let Some(mut p) = self.process.take() {
            // Closing stdin asks it to exit; the group kill makes sure.
            drop(p.stdin);
            kill_group(&mut p.child);
        }
    }
}

/// Reads reply lines from the implementation's stdout on the calling
/// thread, waiting for each with poll(2) up to a deadline.
struct LineReader {
    stdout: ChildStdout,
    /// Bytes read and not yet returned as a line.
    buf: Vec<u8>,
}

impl LineReader {
    /// The next line, without its line end; waits at most `timeout` for
    /// the whole line.
    fn next_line(&mut self, timeout: Duration) -> Line {
        let deadline = Instant::now() + timeout;
        let mut chunk = [0u8; 8192];
        loop {
            if let Some(end) = self.buf.iter().position(|b| *b == b'\n') {
                let mut line: Vec<u8> = self.buf.drain(..=end).collect();
                while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                    line.pop();
                }
                return match String::from_utf8(line) {
                    Ok(s) => Line::Text(s),
                    Err(_) => Line::NotUtf8,
                };
            }
            if self.buf.len() > MAX_LINE {
                return Line::TooLong;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || !readable_within(&self.stdout, left) {
                return Line::TimedOut;
            }
            match self.stdout.read(&mut chunk) {
                Ok(0) => return Line::Eof,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Line::Failed(e),
            }
        }
    }
}

/// Whether `stdout` has bytes to read (or is closed) within `wait`.
#[cfg(unix)]
fn readable_within(stdout: &ChildStdout, wait: Duration) -> bool {
    use std::os::fd::AsRawFd;
    let mut fds = libc::pollfd { fd: stdout.as_raw_fd(), events: libc::POLLIN, revents: 0 };
    let ms = libc::c_int::try_from(wait.as_millis().max(1)).unwrap_or(libc::c_int::MAX);
    loop {
        // SAFETY: one valid pollfd, for the duration of the call.
        let ready = unsafe { libc::poll(&mut fds, 1, ms) };
        if ready >= 0 {
            return ready > 0;
        }
        if std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
            // A poll that fails is left to the read, which reports it.
            return true;
        }
    }
}

/// Elsewhere, a blocking read (no timeout).
#[cfg(not(unix))]
fn readable_within(_: &ChildStdout, _: Duration) -> bool {
    true
}

/// A file for the implementation's stderr, already unlinked (nothing is
/// left on disk, whatever happens), opened for appending by both sides.
fn stderr_file() -> std::io::Result<File> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!(".privdiff-stderr-{}-{n}", std::process::id()));
    let file = std::fs::OpenOptions::new().read(true).append(true).create_new(true).open(&path)?;
    let _ = std::fs::remove_file(&path);
    Ok(file)
}

/// The last [`STDERR_LINES`] lines of the stderr file (its last 64 KiB at
/// most are read).
fn stderr_tail(file: &mut File) -> String {
    const MOST: u64 = 64 << 10;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut bytes = Vec::new();
    if file.seek(SeekFrom::Start(len.saturating_sub(MOST))).is_ok() {
        let _ = file.take(MOST).read_to_end(&mut bytes);
    }
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    lines[lines.len().saturating_sub(STDERR_LINES)..].join("\n")
}

fn describe_exit(status: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return format!("was killed by signal {signal}");
        }
    }
    match status.code() {
        Some(code) => format!("exited with status {code}"),
        None => "exited".to_string(),
    }
}

/// The process groups of the implementations this process has started and
/// not yet killed. Each runs in a group of its own, out of reach of the
/// terminal's Ctrl-C, so an interrupted command must kill them itself
/// ([`kill_live_groups`]) or they outlive it.
static LIVE_GROUPS: std::sync::Mutex<Vec<u32>> = std::sync::Mutex::new(Vec::new());

fn live_groups<T>(f: impl FnOnce(&mut Vec<u32>) -> T) -> T {
    let mut groups = LIVE_GROUPS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    f(&mut groups)
}

/// Sends SIGKILL to the process group `pid` leads.
fn kill_pgid(pid: u32) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(pid) {
        // SAFETY: kill(2) with a negative pid signals the group the child
        // leads (it was spawned with process_group(0)); it touches no
        // memory of ours.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

/// Kills every implementation process group still alive and exits with
/// `code`: what a command interrupted by Ctrl-C or SIGTERM does, so that no
/// server it started survives it. The registry stays locked until the
/// process is gone, so no implementation can be started after the kill.
pub fn exit_killing_implementations(code: i32, message: &str) -> ! {
    let groups = LIVE_GROUPS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    for pid in groups.iter() {
        kill_pgid(*pid);
    }
    eprintln!("{message}");
    std::process::exit(code)
}

/// Kills the process and everything in its process group, and reaps it.
fn kill_group(child: &mut Child) {
    let pid = child.id();
    live_groups(|groups| groups.retain(|g| *g != pid));
    kill_pgid(pid);
    let _ = child.kill();
    let _ = child.wait();
}

/// Writing to a dead child must be an error, not a SIGPIPE that kills the
/// harness: Rust's `main` ignores SIGPIPE, but libFuzzer's does not.
fn ignore_sigpipe() {
    #[cfg(unix)]
    {
        // SAFETY: setting a signal's disposition to SIG_IGN installs no
        // handler code; it only changes how write(2) reports a broken pipe.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_IGN);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::{ErrorCode, GroupId, UserId, WorldConfig};

    /// A fake implementation: a shell script given as `sh -c` command.
    fn fake(script: &str) -> ImplSpec {
        ImplSpec { name: "fake".into(), command: script.into() }
    }

    const HELLO: &str = r#"read l; echo '{"type":"hello","protocol":1,"name":"fake","era":"patched"}'"#;

    fn world() -> World {
        World::from_config(&WorldConfig { users: 2, groups: 1, unowned_numbers: 0 })
    }

    fn join() -> Op {
        Op::JoinGroup { user: UserId(0), group: GroupId(0) }
    }

    #[test]
    fn a_well_behaved_fake_answers_through_the_protocol() {
        let script = format!(
            r#"{HELLO}; while read l; do case "$l" in *reset*) echo '{{"type":"ready"}}';; *) echo '{{"type":"error","code":"USER_ALREADY_PARTICIPANT"}}';; esac; done"#
        );
        let mut ext = External::start(fake(&script), DEFAULT_TIMEOUT).unwrap();
        assert_eq!((ext.name(), ext.announced_name(), ext.era()), ("fake", "fake", Era::Patched));
        ext.reset(&world()).unwrap();
        let mut out = Slot::default();
        ext.apply(&join(), &mut out).unwrap();
        assert_eq!(out.outcome(), &Err(ErrorCode::UserAlreadyParticipant));
    }

    #[test]
    fn a_crash_is_reported_with_status_and_stderr_then_restarted() {
        let script =
            format!(r#"{HELLO}; read l; echo '{{"type":"ready"}}'; read l; echo 'panicked at db.rs:12' >&2; exit 3"#);
        let mut ext = External::start(fake(&script), DEFAULT_TIMEOUT).unwrap();
        ext.reset(&world()).unwrap();
        let mut out = Slot::default();
        let err = ext.apply(&join(), &mut out).unwrap_err();
        assert_eq!(err.kind, TransportKind::Crashed, "{err:?}");
        assert!(err.message.contains("implementation fake"), "{}", err.message);
        assert!(err.message.contains("exited with status 3"), "{}", err.message);
        assert!(err.stderr_tail.contains("panicked at db.rs:12"), "{err:?}");
        // Stopped until the next reset, which starts it again.
        assert_eq!(ext.apply(&join(), &mut out).unwrap_err().kind, TransportKind::Io);
        ext.reset(&world()).unwrap();
        assert_eq!(ext.apply(&join(), &mut out).unwrap_err().kind, TransportKind::Crashed);
    }

    #[test]
    fn a_hang_times_out_and_the_whole_process_group_is_killed() {
        let script = format!(r#"{HELLO}; read l; echo '{{"type":"ready"}}'; read l; sleep 600; echo late"#);
        let mut ext = External::start(fake(&script), Duration::from_millis(300)).unwrap();
        ext.reset(&world()).unwrap();
        let mut out = Slot::default();
        let err = ext.apply(&join(), &mut out).unwrap_err();
        assert_eq!(err.kind, TransportKind::TimedOut, "{err:?}");
        assert!(err.message.contains("no answer to the apply request within 300 ms"), "{}", err.message);
    }

    #[test]
    fn garbage_and_out_of_protocol_replies_are_told_apart() {
        let garbage = format!(r#"{HELLO}; read l; echo 'Traceback (most recent call last):'"#);
        let mut ext = External::start(fake(&garbage), DEFAULT_TIMEOUT).unwrap();
        let err = ext.reset(&world()).unwrap_err();
        assert_eq!(err.kind, TransportKind::Malformed, "{err:?}");
        assert!(err.message.contains("Traceback"), "{}", err.message);

        let unknown_code = format!(
            r#"{HELLO}; read l; echo '{{"type":"ready"}}'; read l; echo '{{"type":"error","code":"FLOOD_WAIT"}}'"#
        );
        let mut ext = External::start(fake(&unknown_code), DEFAULT_TIMEOUT).unwrap();
        ext.reset(&world()).unwrap();
        let mut out = Slot::default();
        let err = ext.apply(&join(), &mut out).unwrap_err();
        assert_eq!(err.kind, TransportKind::OutOfProtocol, "{err:?}");

        let wrong_type = format!(r#"{HELLO}; read l; echo '{{"type":"ok","response":"Done"}}'"#);
        let mut ext = External::start(fake(&wrong_type), DEFAULT_TIMEOUT).unwrap();
        let err = ext.reset(&world()).unwrap_err();
        assert_eq!(err.kind, TransportKind::OutOfProtocol, "{err:?}");
        assert!(err.message.contains("answered a reset with a \"ok\" message"), "{}", err.message);
    }

    #[test]
    fn a_wrong_protocol_version_is_refused_at_the_handshake() {
        let script = r#"read l; echo '{"type":"hello","protocol":2,"name":"fake","era":"patched"}'"#;
        let err = External::start(fake(script), DEFAULT_TIMEOUT).unwrap_err();
        assert_eq!(err.kind, TransportKind::OutOfProtocol);
        assert!(err.message.contains("speaks protocol version 2; privdiff speaks version 1"), "{}", err.message);
    }

    #[test]
    fn a_command_that_does_not_start_says_why() {
        let err = External::start(fake("/nonexistent/privdiff-server --flag"), DEFAULT_TIMEOUT).unwrap_err();
        assert_eq!(err.kind, TransportKind::Crashed, "{err:?}");
        assert!(err.message.contains("exited with status 127"), "{}", err.message);
        assert!(err.stderr_tail.contains("/nonexistent/privdiff-server"), "{err:?}");
    }

    #[test]
    fn impl_specs_are_name_equals_command() {
        let spec: ImplSpec = "sqlite=target/release/examples/sqlite_server --era patched".parse().unwrap();
        assert_eq!(spec.name, "sqlite");
        assert_eq!(spec.command, "target/release/examples/sqlite_server --era patched");
        assert!(matches!("sqlite".parse::<ImplSpec>(), Err(SpecError::Syntax(_))));
        assert!(matches!("sqlite=".parse::<ImplSpec>(), Err(SpecError::Syntax(_))));
        assert!(matches!("My Server=./x".parse::<ImplSpec>(), Err(SpecError::Name(_))));
    }
}
