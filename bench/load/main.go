// Command load is "make bench": it starts corscookie and the baseline (bench/baseline)
// on loopback ports, loads both with wrk in each scenario, and prints a table.
//
// Usage:
//
//	go run ./bench/load [-bin bin/corscookie] [-baseline bin/baseline] [-duration 10s]
//		[-conns 64] [-rounds 3] [-scenarios verify,preflight,set] [-pin=true]
//
// For each scenario, each server first gets a check run of 2 s that counts statuses
// (and warms it up); then the rounds alternate corscookie and baseline, and the table
// shows the best round of each. It exits 1 on any error or unexpected status.
//
// With -pin (the default) the servers run on CPU 0 and wrk on CPU 1, by taskset: on a
// 2-core machine the rounds are steadier and p99 far lower than when they share both
// cores. A pinned Go server sets GOMAXPROCS to 1.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/corscookie/corscookie/bench"
)

// checkDuration is the length of the counted check run before the rounds.
const checkDuration = 2 * time.Second

// CPUs of -pin: the server on one core, wrk on the other.
const (
	serverCPU = "0"
	loadCPU   = "1"
)

// errFailed means that the table shows errors or unexpected statuses.
var errFailed = errors.New("load: errors or unexpected statuses, see the table")

// config is the command line.
type config struct {
	bin, baseline string
	duration      time.Duration
	conns         int
	threads       int
	rounds        int
	scenarios     []bench.Scenario
	pin           bool
	loadAvg       string // the 1-minute load average when the bench began
}

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		log.Error("refusing to start", "err", err)
		os.Exit(2)
	}
	if cfg.loadAvg = loadAverage(); busy(cfg.loadAvg) {
		log.Warn("the machine is busy: numbers will be noisy", "load_average", cfg.loadAvg)
	}
	if err := run(cfg, log, os.Stdout); err != nil {
		log.Error("bench failed", "err", err)
		os.Exit(1)
	}
}

// parseFlags reads the command line.
func parseFlags(args []string) (config, error) {
	var cfg config
	var names string
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.StringVar(&cfg.bin, "bin", "bin/corscookie", "corscookie binary")
	fs.StringVar(&cfg.baseline, "baseline", "bin/baseline", "baseline binary")
	fs.DurationVar(&cfg.duration, "duration", 10*time.Second, "length of one round")
	fs.IntVar(&cfg.conns, "conns", 64, "connections wrk keeps open")
	fs.IntVar(&cfg.threads, "threads", 2, "wrk threads")
	fs.IntVar(&cfg.rounds, "rounds", 3, "rounds per scenario and server; the best counts")
	fs.StringVar(&names, "scenarios", "verify,preflight,set", "comma-separated scenarios")
	fs.BoolVar(&cfg.pin, "pin", true, "servers on CPU "+serverCPU+", wrk on CPU "+loadCPU)
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}

	for name := range strings.SplitSeq(names, ",") {
		sc, err := bench.ScenarioNamed(strings.TrimSpace(name))
		if err != nil {
			return cfg, err
		}
		cfg.scenarios = append(cfg.scenarios, sc)
	}
	return cfg, nil
}

// loadAverage returns the 1-minute load average from /proc/loadavg, or "?".
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	avg, _, _ := strings.Cut(string(b), " ")
	return avg
}

// busy reports whether a load average above 0.5 says that something else runs.
func busy(loadAvg string) bool {
	avg, err := strconv.ParseFloat(loadAvg, 64)
	return err == nil && avg > 0.5
}

// cpus returns the taskset CPU list of the servers and of wrk.
func (cfg config) cpus() (server, load string) {
	if cfg.pin {
		return serverCPU, loadCPU
	}
	return "", ""
}

// run starts both servers, measures every scenario, stops the servers and prints
// the table.
func run(cfg config, log *slog.Logger, w io.Writer) error {
	dir, err := os.MkdirTemp("", "corscookie-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	servers, err := startServers(cfg, dir)
	if err != nil {
		return err
	}

	rows, err := measureAll(cfg, servers, log)
	peaks := peakRSS(servers, log)
	exitErr := stopServers(servers)
	if err != nil {
		return err
	}
	names := []string{servers[0].Name, servers[1].Name}
	printTable(w, cfg, rows, names, peaks)
	if exitErr != nil {
		return exitErr
	}
	return checkRows(rows)
}

// startServers starts corscookie, then the baseline, each in its own directory.
func startServers(cfg config, dir string) ([]*bench.Server, error) {
	cpus, _ := cfg.cpus()
	cc, err := bench.StartCorscookie(cfg.bin, dir, cpus)
	if err != nil {
		return nil, err
	}
	base, err := bench.StartBaseline(cfg.baseline, dir, cpus)
	if err != nil {
		cc.Stop()
		return nil, err
	}
	return []*bench.Server{cc, base}, nil
}

// stopServers stops every server by SIGTERM and wants exit code 0 from each.
func stopServers(servers []*bench.Server) error {
	var errs []error
	for _, s := range servers {
		code, err := s.Stop()
		if err == nil && code != 0 {
			err = fmt.Errorf("load: %s exited with code %d; log: %s", s.Name, code, s.Log)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// peakRSS returns the peak RSS in KiB of each server, 0 where it cannot be read.
func peakRSS(servers []*bench.Server, log *slog.Logger) []int64 {
	peaks := make([]int64, len(servers))
	for i, s := range servers {
		kib, err := s.PeakRSS()
		if err != nil {
			log.Warn("peak RSS", "server", s.Name, "err", err)
		}
		peaks[i] = kib
	}
	return peaks
}
