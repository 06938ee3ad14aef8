package main

import (
	"fmt"
	"io"
)

// printTable writes the rows as a Markdown table, then the peak RSS of each server.
func printTable(w io.Writer, cfg config, rows []row, names []string, peaks []int64) {
	fmt.Fprintf(w, "\n%d connections, %d wrk threads, best of %d rounds of %v, pinned: %v, "+
		"load average at start: %s\n\n", cfg.conns, cfg.threads, cfg.rounds, cfg.duration,
		cfg.pin, cfg.loadAvg)
	fmt.Fprintln(w, "| scenario  | server     |    req/s |      p50 |      p99 | errors | "+
		"unexpected | ratio |")
	fmt.Fprintln(w, "|-----------|------------|---------:|---------:|---------:|-------:|"+
		"-----------:|------:|")
	for i, r := range rows {
		fmt.Fprintf(w, "| %-9s | %-10s | %8.0f | %8s | %8s | %6d | %10d | %5s |\n",
			r.scenario.Name, r.server, r.best.RPS(), micros(r.best.P50US),
			micros(r.best.P99US), r.errors, r.unexpected, ratio(rows, i))
	}

	fmt.Fprintln(w)
	for i, name := range names {
		fmt.Fprintf(w, "peak RSS (VmHWM) %-10s %6.1f MiB\n", name, float64(peaks[i])/1024)
	}
	fmt.Fprintln(w, "errors: socket errors and 4xx/5xx over every run; "+
		"unexpected: statuses other than the scenario's in its counted check run")
}

// ratio returns corscookie's req/s over the baseline's for row i, the corscookie
// row of a pair; "" for a baseline row.
func ratio(rows []row, i int) string {
	if i+1 >= len(rows) || rows[i].server != "corscookie" || rows[i+1].best.RPS() == 0 {
		return ""
	}
	return fmt.Sprintf("%.2f", rows[i].best.RPS()/rows[i+1].best.RPS())
}

// micros formats a latency in microseconds as milliseconds.
func micros(us int64) string {
	return fmt.Sprintf("%.2fms", float64(us)/1000)
}

// checkRows returns errFailed when any row has errors or unexpected statuses.
func checkRows(rows []row) error {
	for _, r := range rows {
		if r.errors != 0 || r.unexpected != 0 {
			return errFailed
		}
	}
	return nil
}
