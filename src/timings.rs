//! Stage timings for the benchmark's profile, kept apart from the pipeline so that the stages
//! below it (the search index) can report their own laps.

/// Stage durations on stderr when `EXEMPLAR_TIMINGS` is set: where a build spends its time,
/// for the benchmark's profile (`bench/build.sh`), without a profiler.
pub struct Timings {
    on: bool,
    last: std::cell::Cell<std::time::Instant>,
    /// The process's CPU time at the last lap, in clock ticks (Linux; 0 elsewhere).
    last_cpu: std::cell::Cell<u64>,
}

/// The process's user and system time so far in clock ticks (a hundredth of a second on Linux),
/// from `/proc/self/stat`; 0 where there is no such file.
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name (which may hold spaces) start with the state, field 3;
    // utime and stime are fields 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    rest.split_whitespace().skip(11).take(2).filter_map(|f| f.parse::<u64>().ok()).sum()
}

impl Timings {
    pub fn new() -> Timings {
        let on = std::env::var_os("EXEMPLAR_TIMINGS").is_some();
        let last_cpu = if on { cpu_ticks() } else { 0 };
        Timings { on, last: std::time::Instant::now().into(), last_cpu: last_cpu.into() }
    }

    pub fn lap(&self, stage: &str) {
        if self.on {
            let now = std::time::Instant::now();
            // Linux reports the peak resident size so far; elsewhere the column stays empty.
            let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
            let field = |name: &str| {
                status.lines().find_map(|l| l.strip_prefix(name)).map(str::trim).unwrap_or_default().to_owned()
            };
            let (peak, now_resident) = (field("VmHWM:"), field("VmRSS:"));
            // CPU time over wall time tells how well a stage uses the cores.
            let cpu = cpu_ticks();
            eprintln!(
                "timing {stage:<12} {:>8.1} ms  cpu {:>6} ms  peak {peak}  now {now_resident}",
                (now - self.last.get()).as_secs_f64() * 1000.0,
                cpu.saturating_sub(self.last_cpu.get()) * 10
            );
            self.last.set(now);
            self.last_cpu.set(cpu);
        }
    }
}

impl Timings {
    /// A line of context beside the durations (how many pages a rebuild rendered …).
    pub fn note(&self, what: std::fmt::Arguments<'_>) {
        if self.on {
            eprintln!("timing {what}");
        }
    }
}

impl Default for Timings {
    fn default() -> Self {
        Timings::new()
    }
}
