// The parent's side of a launched child (native/launcher.c).
//
// launcherChannel(config) makes the channel: a SOCK_SEQPACKET socketpair whose child end the
// launcher inherits, with the launch configuration already written into it, so that starting
// the child needs nothing more from this process (spawnSync works too).
//
// supervise(channel, mode, onEvents) hands the parent end to the supervisor: one thread per
// process, which outlives the JavaScript thread (main or Worker) that started the child, and
// answers notifications even while that thread is busy or blocked in spawnSync. It receives
// the launcher's messages: the listener of the child's notifying filter and a pidfd of the
// child, or why the child could not start. Then, for each notification:
//
// - kill mode (spawn, execFile, fork, run, runSandboxed, chaos): the call is one the child's
//   policy does not allow. The thread records it (thread, number, architecture, the six
//   argument registers), checks with SECCOMP_IOCTL_NOTIF_ID_VALID that the caller is still
//   waiting (so the process it found in /proc is the caller's, and not a recycled pid), and
//   ends that process with SIGSYS. It never answers: the call never runs. A process that
//   catches or ignores SIGSYS gets SIGKILL; one still waiting a while after SIGSYS (it
//   blocked the signal in every thread) too.
// - record mode (learn): every call is recorded and answered with
//   SECCOMP_USER_NOTIF_FLAG_CONTINUE, which lets it run as if no filter were there. CONTINUE
//   is for learning only, never for a security decision: the kernel runs the call with
//   whatever its pointer arguments point to by then, which the program may have changed
//   after the notification was read.
//
// When the supervisor is gone (this process died), the listener closes and the kernel fails
// the notified calls with ENOSYS: they still never run. The launcher also makes the child die
// with this process where it can (PR_SET_PDEATHSIG; see src/launcher/index.ts).
//
// JavaScript learns of new events through one thread-safe function per environment
// (supervisionListener; unref'd, so that it keeps no event loop alive), called with the
// watch's id, and drains them with supervisionEvents()/supervisionRecords(); it calls
// releaseSupervision() when it is done.
#include "supervisor.h"

// clang-format off
#include "glibc_symbols.h"  // before the pthread functions
// clang-format on

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common.h"
#include "launcher_protocol.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SECCOMP_USER_NOTIF_FLAG_CONTINUE
#define SECCOMP_USER_NOTIF_FLAG_CONTINUE (1UL << 0)
#endif
#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#endif

namespace seccomp_node {
namespace {

// SECCOMP_IOCTL_NOTIF_ID_VALID had the wrong direction bits before Linux 5.17, which still
// accepts the old value; older kernels know only that one.
constexpr unsigned long kIdValid = SECCOMP_IOW(2, __u64);
constexpr unsigned long kIdValidBefore517 = SECCOMP_IOR(2, __u64);
// SECCOMP_IOCTL_NOTIF_SET_FLAGS with SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (Linux 6.6): the
// kernel switches between the caller and this thread on one CPU instead of waking the other
// on another, which makes each notification's round trip cheaper (learn sees every call).
// Older kernels refuse it (EINVAL/ENOTTY), and notifications work as before.
constexpr unsigned long kSetFlags = SECCOMP_IOW(4, __u64);
constexpr __u64 kSyncWakeUp = 1;
// How long a process may still wait in its blocked call after SIGSYS before it gets SIGKILL.
constexpr int64_t kEscalateAfterMs = 2000;
constexpr size_t kRecordSize = 64;  // u32 pid, i32 nr, u32 arch, u32 flags, u64 args[6]
constexpr uint64_t kWakeKey = UINT64_MAX;

enum class Mode { kKill, kRecord };

int64_t NowMs() {
  struct timespec ts {};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

void CloseFd(int* fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

struct Event {
  enum Kind { kHandoff, kViolation, kError, kEnd } kind;
  uint32_t seq = 0;
  pid_t thread = 0;
  pid_t pid = 0;
  int32_t nr = 0;
  uint32_t arch = 0;
  uint64_t args[6] = {};
  std::string signal;   // "SIGSYS", "SIGKILL" or "" (none sent)
  std::string outcome;  // violation: "killed", "gone", "invisible", "signal-failed"
  int error = 0;
  uint32_t stage = 0;
  uint32_t detail = 0;
  bool said = false;
  std::string text;
};

// A process sent SIGSYS, still to be checked on.
struct Signalled {
  int pidfd = -1;  // owned; -1 when the process was signalled by pid
  uint64_t notification = 0;
  int64_t deadline = 0;
  bool escalated = false;
};

// One per JavaScript environment (the main thread, each Worker): the thread-safe function
// that tells it which watch has something new. Never freed (one per environment).
struct EnvLink {
  napi_threadsafe_function tsfn = nullptr;
  bool alive = true;  // false once the environment is being torn down
};

struct Watch {
  uint32_t id = 0;
  Mode mode = Mode::kKill;
  bool read_proc = false;
  int channel = -1;
  int listener = -1;
  int pidfd = -1;  // the child's, from the launcher
  pid_t target = 0;
  uint32_t seq = 0;
  std::vector<Event> events;
  std::string records;
  std::map<pid_t, Signalled> signalled;
  EnvLink* link = nullptr;
  bool tell = false;  // something new for JavaScript
  bool call_pending = false;
  bool ended = false;
  bool released = false;
  bool recorder = false;  // a thread of its own answers the listener (record mode)
};

class Supervisor {
 public:
  static Supervisor* Get(std::string* why) {
    static std::mutex start_mutex;
    static Supervisor* instance = nullptr;
    std::lock_guard<std::mutex> lock(start_mutex);
    if (instance != nullptr) return instance;
    auto* s = new Supervisor();
    if (!s->Start(why)) {
      delete s;
      return nullptr;
    }
    instance = s;
    return instance;
  }

  uint32_t Add(int channel, Mode mode, bool read_proc, EnvLink* link) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto watch = std::make_unique<Watch>();
    watch->id = ++next_id_;
    watch->mode = mode;
    watch->read_proc = read_proc;
    watch->channel = channel;
    watch->link = link;
    uint32_t id = watch->id;
    Listen(channel, Key(id, 0));
    watches_[id] = std::move(watch);
    return id;
  }

  // Drains the events (kill mode) or records (record mode) of a watch.
  bool Take(uint32_t id, std::vector<Event>* events, std::string* records, bool* ended) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = watches_.find(id);
    if (it == watches_.end()) return false;
    Watch& w = *it->second;
    if (events != nullptr) events->swap(w.events);
    if (records != nullptr) records->swap(w.records);
    w.call_pending = false;
    *ended = w.ended;
    return true;
  }

  // JavaScript is done with the watch. Supervising goes on until the child's filter has no
  // more users, but nothing is recorded for JavaScript any more.
  void Release(uint32_t id) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = watches_.find(id);
    if (it == watches_.end()) return;
    Watch& w = *it->second;
    w.link = nullptr;
    w.released = true;
    w.events.clear();
    w.records.clear();
    if (w.ended) watches_.erase(it);
  }

  // The environment is going away: never call into it again.
  void ForgetEnvironment(EnvLink* link) {
    std::lock_guard<std::mutex> lock(mutex_);
    link->alive = false;
  }

 private:
  static uint64_t Key(uint32_t id, int which) { return static_cast<uint64_t>(id) << 8 | which; }

  bool Start(std::string* why) {
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    wake_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (epoll_ < 0 || wake_ < 0) {
      *why = std::string("epoll/eventfd: ") + strerror(errno);
      return false;
    }
    struct epoll_event ev {};
    ev.events = EPOLLIN;
    ev.data.u64 = kWakeKey;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, wake_, &ev) != 0) {
      *why = std::string("epoll_ctl: ") + strerror(errno);
      return false;
    }
    struct seccomp_notif_sizes sizes {};
    if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) == 0) {
      notif_size_ = std::max<size_t>(sizes.seccomp_notif, sizeof(struct seccomp_notif));
      resp_size_ = std::max<size_t>(sizes.seccomp_notif_resp, sizeof(struct seccomp_notif_resp));
    }
    // Signals are the JavaScript thread's business; this thread takes none (glibc's internal
    // ones, and Landlock's signal 33 for every thread, stay open: sigfillset leaves them out).
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pthread_t thread;
    int err = pthread_create(&thread, nullptr, &Supervisor::Main, this);
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    if (err != 0) {
      *why = std::string("pthread_create: ") + strerror(err);
      return false;
    }
    return true;
  }

  void Listen(int fd, uint64_t key) {
    struct epoll_event ev {};
    ev.events = EPOLLIN;
    ev.data.u64 = key;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
  }

  void Unlisten(int fd) { epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr); }

  static void* Main(void* self) {
    static_cast<Supervisor*>(self)->Loop();
    return nullptr;
  }

  void Loop() {
    std::vector<char> notif(notif_size_);
    std::vector<char> resp(resp_size_);
    struct epoll_event ready[16];
    for (;;) {
      int timeout = NextTimeout();
      int n = epoll_wait(epoll_, ready, 16, timeout);
      if (n < 0 && errno != EINTR) return;
      std::lock_guard<std::mutex> lock(mutex_);
      for (int i = 0; i < n; i++) {
        uint64_t key = ready[i].data.u64;
        if (key == kWakeKey) {
          uint64_t ignored;
          ssize_t r = read(wake_, &ignored, sizeof(ignored));
          (void)r;
          continue;
        }
        auto it = watches_.find(static_cast<uint32_t>(key >> 8));
        if (it == watches_.end()) continue;
        Watch& w = *it->second;
        if ((key & 0xff) == 0) {
          OnChannel(w);
        } else {
          OnListener(w, ready[i].events, &notif, &resp);
        }
        if (w.ended && w.released) watches_.erase(it);
      }
      Escalate();
      for (auto& [id, w] : watches_) Tell(*w);
    }
  }

  // ----- the channel -----

  void OnChannel(Watch& w) {
    for (;;) {
      struct launcher_message m {};
      struct iovec iov {};
      iov.iov_base = &m;
      iov.iov_len = sizeof(m);
      union {
        struct cmsghdr align;
        char bytes[CMSG_SPACE(4 * sizeof(int))];
      } control{};
      struct msghdr msg {};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control.bytes;
      msg.msg_controllen = sizeof(control.bytes);
      ssize_t n = recvmsg(w.channel, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      std::vector<int> fds;
      for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; i++) {
          int fd;
          memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
          fds.push_back(fd);
        }
      }
      if (n <= 0) {
        // The launcher exec'd (its end is close-on-exec) or died: nothing more will come.
        for (int fd : fds) close(fd);
        Unlisten(w.channel);
        CloseFd(&w.channel);
        if (w.listener < 0) End(w);
        return;
      }
      bool valid = static_cast<size_t>(n) == sizeof(m) && m.magic == LAUNCHER_MAGIC;
      if (valid && m.kind == LAUNCHER_HANDOFF && fds.size() == 2 && w.listener < 0) {
        w.listener = fds[0];
        w.pidfd = fds[1];
        ioctl(w.listener, kSetFlags, kSyncWakeUp);
        w.target = static_cast<pid_t>(m.pid);
        // Learning sees every call: a thread of its own waits on the listener alone (fewer
        // steps per call than this thread's epoll, and the synchronous wake-up applies).
        if (w.mode != Mode::kRecord || !StartRecorder(w)) Listen(w.listener, Key(w.id, 1));
        Event e{Event::kHandoff};
        e.pid = w.target;
        // Nobody waits for this one: it comes with the next drain, without a call into
        // JavaScript of its own (one wake-up less per start).
        Push(w, std::move(e), false);
        continue;
      }
      for (int fd : fds) close(fd);
      if (valid && m.kind == LAUNCHER_ERROR) {
        Event e{Event::kError};
        e.pid = static_cast<pid_t>(m.pid);
        e.error = m.error;
        e.stage = m.stage;
        e.detail = m.detail;
        e.said = m.said != 0;
        m.text[sizeof(m.text) - 1] = '\0';
        e.text = m.text;
        Push(w, std::move(e));
      }
    }
  }

  // ----- the listener -----

  void OnListener(Watch& w, uint32_t events, std::vector<char>* notif_buffer,
                  std::vector<char>* resp_buffer) {
    if (events & EPOLLIN) {
      memset(notif_buffer->data(), 0, notif_buffer->size());
      auto* n = reinterpret_cast<struct seccomp_notif*>(notif_buffer->data());
      if (ioctl(w.listener, SECCOMP_IOCTL_NOTIF_RECV, n) == 0) {
        if (w.mode == Mode::kRecord) {
          Record(w, *n, resp_buffer);
        } else {
          Violation(w, *n);
        }
      }
      return;  // level-triggered: the next one comes with the next wait
    }
    if (events & (EPOLLHUP | EPOLLERR)) {
      // Every process under the filter is gone.
      Unlisten(w.listener);
      CloseFd(&w.listener);
      if (w.channel < 0) End(w);
    }
  }

  // The call as a 64-byte record for JavaScript (record mode).
  void Keep(Watch& w, const struct seccomp_notif& n) {
    if (w.released) return;
    char record[kRecordSize] = {};
    uint32_t pid = n.pid;
    int32_t nr = n.data.nr;
    uint32_t arch = n.data.arch;
    memcpy(record, &pid, 4);
    memcpy(record + 4, &nr, 4);
    memcpy(record + 8, &arch, 4);
    memcpy(record + 16, n.data.args, sizeof(n.data.args));
    w.records.append(record, kRecordSize);
    RequestTell(w);
  }

  // Learning only: see the top of the file. CONTINUE is never a security decision.
  void Record(Watch& w, const struct seccomp_notif& n, std::vector<char>* resp_buffer) {
    Keep(w, n);
    memset(resp_buffer->data(), 0, resp_buffer->size());
    auto* resp = reinterpret_cast<struct seccomp_notif_resp*>(resp_buffer->data());
    resp->id = n.id;
    resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    // ENOENT: the caller was interrupted by a signal meanwhile, and will call again.
    ioctl(w.listener, SECCOMP_IOCTL_NOTIF_SEND, resp);
  }

  struct RecorderArgs {
    Supervisor* self;
    uint32_t id;
    int listener;
  };

  // Record mode: a detached thread answers the watch's notifications until every process
  // under the filter is gone, then closes the listener. False when it cannot start (the
  // supervisor thread then answers them).
  bool StartRecorder(Watch& w) {
    auto* args = new RecorderArgs{this, w.id, w.listener};
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t thread;
    int err = pthread_create(&thread, &attr, &Supervisor::RecorderMain, args);
    pthread_attr_destroy(&attr);
    if (err != 0) {
      delete args;
      return false;
    }
    w.recorder = true;
    return true;
  }

  static void* RecorderMain(void* raw) {
    std::unique_ptr<RecorderArgs> args(static_cast<RecorderArgs*>(raw));
    args->self->RecordLoop(args->id, args->listener);
    return nullptr;
  }

  // Learning only: see the top of the file. CONTINUE is never a security decision.
  void RecordLoop(uint32_t id, int listener) {
    std::vector<char> notif(notif_size_);
    std::vector<char> resp(resp_size_);
    for (;;) {
      struct pollfd p {};
      p.fd = listener;
      p.events = POLLIN;
      if (poll(&p, 1, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (p.revents & POLLIN) {
        memset(notif.data(), 0, notif.size());
        auto* n = reinterpret_cast<struct seccomp_notif*>(notif.data());
        if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, n) != 0) continue;
        // The caller goes on first; the record is kept after.
        memset(resp.data(), 0, resp.size());
        auto* r = reinterpret_cast<struct seccomp_notif_resp*>(resp.data());
        r->id = n->id;
        r->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        // ENOENT: the caller was interrupted by a signal meanwhile, and will call again.
        ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, r);
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = watches_.find(id);
        if (it == watches_.end()) continue;
        Keep(*it->second, *n);
        Tell(*it->second);
        continue;
      }
      if (p.revents & (POLLHUP | POLLERR | POLLNVAL)) break;
    }
    // Every process under the filter is gone.
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = watches_.find(id);
    if (it == watches_.end()) {
      close(listener);
      return;
    }
    Watch& w = *it->second;
    CloseFd(&w.listener);
    if (w.channel < 0) End(w);
    Tell(w);
    if (w.ended && w.released) watches_.erase(it);
  }

  bool StillWaiting(const Watch& w, uint64_t id) {
    __u64 value = id;
    if (ioctl(w.listener, kIdValid, &value) == 0) return true;
    if (errno != EINVAL && errno != ENOTTY) return false;
    return ioctl(w.listener, kIdValidBefore517, &value) == 0;
  }

  // What /proc/<tid>/status says: the tgid, whether SIGSYS is caught or ignored (process
  // wide), whether this thread blocks it, and how many threads there are.
  struct Status {
    pid_t tgid = 0;
    bool survives = false;
    bool blocked = false;
    int threads = 0;
  };

  static bool ReadStatusFile(const char* path, Status* out) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char text[4096];
    ssize_t n = read(fd, text, sizeof(text) - 1);
    close(fd);
    if (n <= 0) return false;
    text[n] = '\0';
    const uint64_t bit = 1ULL << (SIGSYS - 1);
    for (char* line = text; line != nullptr && *line != '\0';) {
      char* next = strchr(line, '\n');
      if (next != nullptr) *next++ = '\0';
      unsigned long long mask = 0;
      int value = 0;
      if (sscanf(line, "Tgid: %d", &value) == 1) out->tgid = value;
      if (sscanf(line, "Threads: %d", &value) == 1) out->threads = value;
      if ((sscanf(line, "SigIgn: %llx", &mask) == 1 || sscanf(line, "SigCgt: %llx", &mask) == 1) &&
          (mask & bit) != 0) {
        out->survives = true;
      }
      if (sscanf(line, "SigBlk: %llx", &mask) == 1) out->blocked = (mask & bit) != 0;
      line = next;
    }
    return out->tgid > 0;
  }

  // Whether every thread of `tgid` blocks SIGSYS, so that nothing would take it now (a shell
  // or libuv blocks every signal around fork). False when it cannot be told.
  static bool BlockedEverywhere(pid_t tgid) {
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/task", static_cast<int>(tgid));
    DIR* dir = opendir(path);
    if (dir == nullptr) return false;
    bool all = true;
    int seen = 0;
    while (struct dirent* entry = readdir(dir)) {
      if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
      char status[320];
      snprintf(status, sizeof(status), "/proc/%d/task/%s/status", static_cast<int>(tgid),
               entry->d_name);
      Status s;
      if (!ReadStatusFile(status, &s)) continue;  // ended meanwhile
      seen++;
      if (!s.blocked) {
        all = false;
        break;
      }
    }
    closedir(dir);
    return all && seen > 0;
  }

  static int SendSignal(int pidfd, pid_t pid, int sig) {
    long rc = pidfd >= 0 ? syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) : kill(pid, sig);
    return rc == 0 ? 0 : errno;
  }

  void Violation(Watch& w, const struct seccomp_notif& n) {
    Event e{Event::kViolation};
    e.thread = static_cast<pid_t>(n.pid);
    e.nr = n.data.nr;
    e.arch = n.data.arch;
    memcpy(e.args, n.data.args, sizeof(e.args));
    if (n.pid == 0) {
      // The caller's pid is not visible from here (another pid namespace): it cannot be
      // signalled. The call fails instead, and still never runs.
      struct seccomp_notif_resp resp {};
      resp.id = n.id;
      resp.error = -ENOSYS;
      ioctl(w.listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
      e.outcome = "invisible";
      Push(w, std::move(e));
      return;
    }
    pid_t tgid = 0;
    Status status;
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/status", static_cast<int>(e.thread));
    if (w.read_proc && ReadStatusFile(path, &status)) {
      tgid = status.tgid;
    } else {
      tgid = e.thread;  // a thread of the child itself is the usual case: see below
    }
    bool survives = status.survives;
    bool blocked_everywhere =
        w.read_proc && status.blocked && (status.threads <= 1 || BlockedEverywhere(tgid));
    int pidfd = -1;
    bool own = false;
    if (tgid == w.target || e.thread == w.target) {
      tgid = w.target;
      pidfd = w.pidfd;
    } else {
      pidfd = static_cast<int>(syscall(SYS_pidfd_open, tgid, 0));
      own = pidfd >= 0;
    }
    e.pid = tgid;
    // Still waiting in the call: so `tgid` and the pidfd name the caller, not a process that
    // took over its pid. Checked after /proc was read, before anything is sent.
    if (!StillWaiting(w, n.id)) {
      if (own) close(pidfd);
      e.outcome = "gone";
      Push(w, std::move(e));
      return;
    }
    auto previous = w.signalled.find(tgid);
    int sig = previous != w.signalled.end() || survives ? SIGKILL : SIGSYS;
    e.signal = sig == SIGKILL ? "SIGKILL" : "SIGSYS";
    e.outcome = "killed";
    // Recorded before the signal, so that it is there when the child's exit is seen.
    size_t index = w.events.size();
    bool kept = !w.released;
    Push(w, std::move(e));
    int err = SendSignal(pidfd, tgid, sig);
    if (err != 0 && kept) {
      w.events[index].outcome = "signal-failed";
      w.events[index].error = err;
    }
    if (err == 0 && sig == SIGSYS && blocked_everywhere) {
      // Nothing would take the signal while the call waits: the call fails with ENOSYS (it
      // never runs), and the pending SIGSYS ends the process as soon as it unblocks it. The
      // check below sends SIGKILL if it has not by then.
      struct seccomp_notif_resp resp {};
      resp.id = n.id;
      resp.error = -ENOSYS;
      ioctl(w.listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    }
    if (sig == SIGSYS && err == 0) {
      Signalled signalled;
      signalled.pidfd = own ? pidfd : (pidfd >= 0 ? fcntl(pidfd, F_DUPFD_CLOEXEC, 0) : -1);
      signalled.notification = n.id;
      signalled.deadline = NowMs() + kEscalateAfterMs;
      w.signalled[tgid] = signalled;
      own = false;
    }
    if (own) close(pidfd);
  }

  // A process still there well after SIGSYS kept the signal blocked (or waits in its blocked
  // call with it blocked in every thread): SIGKILL ends it (the call still never runs). With
  // a pidfd this cannot reach another process, and a dead one ignores it; by pid, only while
  // the call provably still waits.
  void Escalate() {
    int64_t now = NowMs();
    for (auto& [id, wp] : watches_) {
      Watch& w = *wp;
      for (auto& [pid, s] : w.signalled) {
        if (s.escalated || s.deadline > now) continue;
        s.escalated = true;
        if (s.pidfd >= 0) {
          SendSignal(s.pidfd, pid, SIGKILL);
        } else if (w.listener >= 0 && StillWaiting(w, s.notification)) {
          SendSignal(-1, pid, SIGKILL);
        }
        CloseFd(&s.pidfd);
      }
    }
  }

  int NextTimeout() {
    std::lock_guard<std::mutex> lock(mutex_);
    int64_t next = INT64_MAX;
    for (auto& [id, w] : watches_) {
      for (auto& [pid, s] : w->signalled) {
        if (!s.escalated && s.deadline < next) next = s.deadline;
      }
    }
    if (next == INT64_MAX) return -1;
    int64_t wait = next - NowMs();
    return wait < 0 ? 0 : static_cast<int>(wait);
  }

  void End(Watch& w) {
    if (w.ended) return;
    w.ended = true;
    CloseFd(&w.pidfd);
    for (auto& [pid, s] : w.signalled) CloseFd(&s.pidfd);
    Event e{Event::kEnd};
    Push(w, std::move(e));
  }

  void Push(Watch& w, Event&& e, bool tell = true) {
    e.seq = ++w.seq;
    if (!w.released) w.events.push_back(std::move(e));
    if (tell) RequestTell(w);
  }

  void RequestTell(Watch& w) { w.tell = true; }

  // Lets JavaScript know there is something to drain (once until it drains).
  void Tell(Watch& w) {
    if (!w.tell) return;
    w.tell = false;
    if (w.link == nullptr || !w.link->alive || w.call_pending) return;
    w.call_pending = true;
    napi_call_threadsafe_function(
        w.link->tsfn, reinterpret_cast<void*>(static_cast<uintptr_t>(w.id)), napi_tsfn_nonblocking);
  }

  std::mutex mutex_;
  std::map<uint32_t, std::unique_ptr<Watch>> watches_;
  uint32_t next_id_ = 0;
  int epoll_ = -1;
  int wake_ = -1;
  size_t notif_size_ = sizeof(struct seccomp_notif);
  size_t resp_size_ = sizeof(struct seccomp_notif_resp);
};

// ----- JavaScript -----

Napi::Value LauncherChannel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Buffer<uint8_t> config = info[0].As<Napi::Buffer<uint8_t>>();
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    ThrowErrno(env, errno, "socketpair");
  }
  UniqueFd parent(sv[0]);
  UniqueFd child(sv[1]);
  // The whole configuration waits in the socket until the launcher reads it.
  int size = static_cast<int>(config.Length() + 4096);
  setsockopt(parent.get(), SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
  int flags = fcntl(parent.get(), F_GETFL);
  if (flags < 0 || fcntl(parent.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
    ThrowErrno(env, errno, "fcntl(O_NONBLOCK)");
  }
  ssize_t n = write(parent.get(), config.Data(), config.Length());
  if (n < 0)
    ThrowErrno(env, errno == EAGAIN ? EMSGSIZE : errno, "writing the launch configuration");
  if (static_cast<size_t>(n) != config.Length()) ThrowErrno(env, EMSGSIZE, "launch configuration");
  // Both ends go to JavaScript: the child's into the spawn's stdio (then closed), the
  // parent's to supervise() (or closed).
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, parent.Release()));
  out.Set(1u, Napi::Number::New(env, child.Release()));
  return out;
}

// Calls the environment's listener with the watch's id.
void CallJs(napi_env env, napi_value callback, void*, void* data) {
  if (env == nullptr || callback == nullptr) return;
  napi_value undefined, id;
  napi_get_undefined(env, &undefined);
  napi_create_uint32(env, static_cast<uint32_t>(reinterpret_cast<uintptr_t>(data)), &id);
  napi_call_function(env, undefined, callback, 1, &id, nullptr);
}

void OnEnvironmentCleanup(void* arg) {
  std::string why;
  Supervisor* s = Supervisor::Get(&why);
  if (s != nullptr) s->ForgetEnvironment(static_cast<EnvLink*>(arg));
}

std::mutex g_links_mutex;
std::map<napi_env, EnvLink*>& Links() {
  static std::map<napi_env, EnvLink*> links;
  return links;
}

// supervisionListener(fn): fn(id) is called (on this environment's thread) when watch `id`
// has something new. Once per environment; later calls replace nothing.
Napi::Value SupervisionListener(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::lock_guard<std::mutex> lock(g_links_mutex);
  if (Links().count(env) != 0) return env.Undefined();
  auto* link = new EnvLink();
  napi_value name = Napi::String::New(env, "seccomp-node supervisor");
  if (napi_create_threadsafe_function(env, info[0], nullptr, name, 0, 1, nullptr, nullptr, nullptr,
                                      CallJs, &link->tsfn) != napi_ok) {
    delete link;
    ThrowCode(env, "ERR_SECCOMP_NATIVE", "napi_create_threadsafe_function failed");
  }
  // It must keep no event loop alive; and it runs its cleanup after this hook (hooks run in
  // reverse order), so that the supervisor stops calling first.
  napi_unref_threadsafe_function(env, link->tsfn);
  napi_add_env_cleanup_hook(env, OnEnvironmentCleanup, link);
  Links()[env] = link;
  return env.Undefined();
}

// supervise(channel, { mode: 'kill' | 'record', readProc }) -> id
Napi::Value Supervise(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int channel = info[0].As<Napi::Number>().Int32Value();
  Napi::Object options = info[1].As<Napi::Object>();
  Mode mode =
      options.Get("mode").As<Napi::String>().Utf8Value() == "record" ? Mode::kRecord : Mode::kKill;
  bool read_proc = options.Get("readProc").ToBoolean();
  std::string why;
  Supervisor* s = Supervisor::Get(&why);
  if (s == nullptr) ThrowCode(env, "ERR_SECCOMP_UNSUPPORTED", "no supervisor thread: " + why);
  EnvLink* link = nullptr;
  {
    std::lock_guard<std::mutex> lock(g_links_mutex);
    auto it = Links().find(env);
    if (it != Links().end()) link = it->second;
  }
  return Napi::Number::New(env, s->Add(channel, mode, read_proc, link));
}

const char* SignalOf(const std::string& s) {
  return s.empty() ? nullptr : s.c_str();
}

double Num(int64_t v) {
  return static_cast<double>(v);
}

Napi::Object EventObject(Napi::Env env, const Event& e) {
  Napi::Object o = Napi::Object::New(env);
  static const char* kKinds[] = {"handoff", "violation", "error", "end"};
  o.Set("kind", kKinds[e.kind]);
  o.Set("seq", Num(e.seq));
  if (e.kind == Event::kViolation) {
    o.Set("thread", Num(e.thread));
    o.Set("pid", Num(e.pid));
    o.Set("nr", Num(e.nr));
    o.Set("arch", Num(e.arch));
    Napi::Array args = Napi::Array::New(env, 6);
    for (uint32_t i = 0; i < 6; i++) args.Set(i, Napi::BigInt::New(env, e.args[i]));
    o.Set("args", args);
    o.Set("signal", SignalOf(e.signal) != nullptr ? Napi::Value(Napi::String::New(env, e.signal))
                                                  : env.Null());
    o.Set("outcome", e.outcome);
    if (e.error != 0) o.Set("error", ErrnoName(e.error));
  } else if (e.kind == Event::kHandoff) {
    o.Set("pid", Num(e.pid));
  } else if (e.kind == Event::kError) {
    o.Set("pid", Num(e.pid));
    o.Set("stage", Num(e.stage));
    o.Set("errno", ErrnoName(e.error));
    o.Set("message", strerror(e.error));
    o.Set("detail", Num(e.detail));
    o.Set("said", e.said);
    o.Set("text", e.text);
  }
  return o;
}

// supervisionEvents(id) -> { events, ended } (kill mode)
Napi::Value SupervisionEvents(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  std::string why;
  Supervisor* s = Supervisor::Get(&why);
  std::vector<Event> events;
  bool ended = true;
  Napi::Object out = Napi::Object::New(env);
  Napi::Array list = Napi::Array::New(env);
  if (s != nullptr && s->Take(id, &events, nullptr, &ended)) {
    for (size_t i = 0; i < events.size(); i++)
      list.Set(static_cast<uint32_t>(i), EventObject(env, events[i]));
  }
  out.Set("events", list);
  out.Set("ended", ended);
  return out;
}

// supervisionRecords(id) -> { records: Buffer (64 bytes each), events, ended } (record mode)
Napi::Value SupervisionRecords(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  std::string why;
  Supervisor* s = Supervisor::Get(&why);
  std::vector<Event> events;
  std::string records;
  bool ended = true;
  Napi::Object out = Napi::Object::New(env);
  Napi::Array list = Napi::Array::New(env);
  if (s != nullptr && s->Take(id, &events, &records, &ended)) {
    for (size_t i = 0; i < events.size(); i++)
      list.Set(static_cast<uint32_t>(i), EventObject(env, events[i]));
  }
  out.Set("records", Napi::Buffer<char>::Copy(env, records.data(), records.size()));
  out.Set("events", list);
  out.Set("ended", ended);
  return out;
}

Napi::Value ReleaseSupervision(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t id = info[0].As<Napi::Number>().Uint32Value();
  std::string why;
  Supervisor* s = Supervisor::Get(&why);
  if (s != nullptr) s->Release(id);
  return env.Undefined();
}

// notifySupport() -> { notify, continue, reason? }: whether the kernel has what the
// launcher's notifying filter and the supervisor need. Call it only where this process's own
// filters allow the probes (src/launcher/notify.ts decides).
Napi::Value NotifySupport(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  std::string reason;
  uint32_t action = SECCOMP_RET_USER_NOTIF;
  if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) != 0) {
    reason = std::string("the kernel has no seccomp user notification (Linux 5.0 or later): ") +
             ErrnoName(errno);
  } else {
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, getpid(), 0));
    if (pidfd < 0) {
      reason =
          std::string("the kernel has no pidfd_open (Linux 5.3 or later): ") + ErrnoName(errno);
    } else {
      close(pidfd);
    }
  }
  // SECCOMP_USER_NOTIF_FLAG_CONTINUE came with Linux 5.5; it cannot be probed without a
  // listener, so the release says.
  struct utsname u {};
  int major = 0, minor = 0;
  bool has_continue = uname(&u) == 0 && sscanf(u.release, "%d.%d", &major, &minor) == 2 &&
                      (major > 5 || (major == 5 && minor >= 5));
  out.Set("notify", reason.empty());
  out.Set("continue", reason.empty() && has_continue);
  if (!reason.empty()) out.Set("reason", reason);
  return out;
}

// onMainThread(): whether the calling thread is the process's first thread, the one that
// lives as long as the process. A child's parent-death signal fires when the thread that
// forked it ends, so only children started from this thread may have one (a Worker's
// thread ends before the process does). Cheaper than loading node:worker_threads.
Napi::Value OnMainThread(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), syscall(SYS_gettid) == getpid());
}

// exitBySignal(signal): ends this process by `signal` without a core dump, as its child
// ended (seccomp-node run passes the child's death on to its own caller).
Napi::Value ExitBySignal(const Napi::CallbackInfo& info) {
  int sig = info[0].As<Napi::Number>().Int32Value();
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  struct rlimit none {};
  setrlimit(RLIMIT_CORE, &none);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigaction(sig, &dfl, nullptr);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  kill(getpid(), sig);
  _exit(128 + sig);
}

}  // namespace

void InitSupervisor(Napi::Env env, Napi::Object exports) {
  exports.Set("launcherChannel",
              Napi::Function::New<Guarded<LauncherChannel>>(env, "launcherChannel"));
  exports.Set("supervise", Napi::Function::New<Guarded<Supervise>>(env, "supervise"));
  exports.Set("supervisionListener",
              Napi::Function::New<Guarded<SupervisionListener>>(env, "supervisionListener"));
  exports.Set("supervisionEvents",
              Napi::Function::New<Guarded<SupervisionEvents>>(env, "supervisionEvents"));
  exports.Set("supervisionRecords",
              Napi::Function::New<Guarded<SupervisionRecords>>(env, "supervisionRecords"));
  exports.Set("releaseSupervision",
              Napi::Function::New<Guarded<ReleaseSupervision>>(env, "releaseSupervision"));
  exports.Set("notifySupport", Napi::Function::New<Guarded<NotifySupport>>(env, "notifySupport"));
  exports.Set("onMainThread", Napi::Function::New<Guarded<OnMainThread>>(env, "onMainThread"));
  exports.Set("exitBySignal", Napi::Function::New<Guarded<ExitBySignal>>(env, "exitBySignal"));
}

}  // namespace seccomp_node
