"""What the benchmarks run by scripts/bench inside ``odoo shell`` share: their
output and the resident memory of the Odoo process (Linux ``/proc``)."""


def out(line=""):
    print(line, flush=True)


def proc_status_kb(key):
    """A figure of /proc/self/status in kB (VmRSS, VmHWM), 0 if absent."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def reset_peak_rss():
    """Reset VmHWM (Linux >= 4.0), so the peak measured is the run's."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False
