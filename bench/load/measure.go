package main

import (
	"log/slog"

	"github.com/corscookie/corscookie/bench"
)

// row is one line of the table: one scenario on one server.
type row struct {
	scenario   bench.Scenario
	server     string
	best       bench.Result // the round with the most requests per second
	errors     int64        // socket errors and 4xx/5xx over every run
	unexpected int64        // statuses other than the scenario's in the check run
}

// measureAll measures every scenario of cfg on every server.
func measureAll(cfg config, servers []*bench.Server, log *slog.Logger) ([]row, error) {
	var rows []row
	for _, sc := range cfg.scenarios {
		r, err := measure(cfg, sc, servers, log)
		if err != nil {
			return nil, err
		}
		rows = append(rows, r...)
	}
	return rows, nil
}

// measure runs the check run, then the rounds, alternating the servers.
func measure(cfg config, sc bench.Scenario, servers []*bench.Server, log *slog.Logger) (
	[]row, error) {
	_, cpus := cfg.cpus()
	loads := make([]bench.Load, len(servers))
	rows := make([]row, len(servers))
	for i, s := range servers {
		l, err := sc.Load(s.URL, cfg.duration, cfg.conns)
		if err != nil {
			return nil, err
		}
		l.Threads, l.CPUs = cfg.threads, cpus
		loads[i], rows[i] = l, row{scenario: sc, server: s.Name}
	}

	for i := range servers {
		if err := check(&rows[i], loads[i], log); err != nil {
			return nil, err
		}
	}
	for round := 1; round <= cfg.rounds; round++ {
		for i := range servers {
			if err := measureRound(&rows[i], loads[i], round, log); err != nil {
				return nil, err
			}
		}
	}
	return rows, nil
}

// check runs l for checkDuration, counting statuses, into r.
func check(r *row, l bench.Load, log *slog.Logger) error {
	l.Duration, l.Count = checkDuration, true
	res, err := bench.RunWrk(l)
	if err != nil {
		return err
	}
	r.errors += res.SocketErrors() + res.Status
	r.unexpected = res.Unexpected(r.scenario.Want)
	log.Info("check", "scenario", r.scenario.Name, "server", r.server,
		"statuses", res.Statuses, "errors", res.SocketErrors()+res.Status)
	return nil
}

// measureRound runs l once into r, keeping the best round.
func measureRound(r *row, l bench.Load, round int, log *slog.Logger) error {
	res, err := bench.RunWrk(l)
	if err != nil {
		return err
	}
	r.errors += res.SocketErrors() + res.Status
	if res.RPS() > r.best.RPS() {
		r.best = res
	}
	log.Info("round", "scenario", r.scenario.Name, "server", r.server, "round", round,
		"rps", int(res.RPS()), "p99_ms", float64(res.P99US)/1000,
		"errors", res.SocketErrors()+res.Status)
	return nil
}
