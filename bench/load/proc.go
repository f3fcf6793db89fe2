package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// memory is a process's resident set, from /proc/PID/status, in KiB.
type memory struct {
	RSS, HWM int64 // VmRSS now; VmHWM, the peak since the process began
}

func readMemory(pid int) (memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, err
	}
	defer f.Close()
	var m memory
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		v, _ := strconv.ParseInt(fields[0], 10, 64)
		switch name {
		case "VmRSS":
			m.RSS = v
		case "VmHWM":
			m.HWM = v
		}
	}
	return m, sc.Err()
}

// memoryWatch samples a process's memory every interval until stopped.
type memoryWatch struct {
	mu      sync.Mutex
	maxRSS  int64
	last    memory
	samples int
	err     error
	stop    chan struct{}
	done    chan struct{}
}

func watchMemory(pid int, every time.Duration) *memoryWatch {
	m := &memoryWatch{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			mem, err := readMemory(pid)
			m.mu.Lock()
			if err != nil {
				m.err = err
			} else {
				m.last, m.samples = mem, m.samples+1
				m.maxRSS = max(m.maxRSS, mem.RSS)
			}
			m.mu.Unlock()
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

// finish stops the sampling and returns the peak RSS seen, the last
// sample and the number of samples.
func (m *memoryWatch) finish() (maxRSS int64, last memory, samples int, err error) {
	close(m.stop)
	<-m.done
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.maxRSS, m.last, m.samples, m.err
}

// fetchProfile saves what url answers (a pprof profile) into path.
func fetchProfile(ctx context.Context, u, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 300))
		return fmt.Errorf("GET %s: %d %s", u, res.StatusCode, b)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// startupTimes starts the command n times and measures, each time, how
// long until readyURL answers 200; then stops it with SIGTERM.
func startupTimes(ctx context.Context, args []string, readyURL string, n int, stdout io.Writer) ([]time.Duration, error) {
	if len(args) == 0 {
		return nil, errors.New("startup: give the command after --, e.g. -- ./egov serve --demo --data DIR --addr 127.0.0.1:18080")
	}
	client := &http.Client{Timeout: time.Second}
	var out []time.Duration
	for i := range n {
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		t0 := time.Now()
		if err := cmd.Start(); err != nil {
			return out, fmt.Errorf("startup: %w", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		var took time.Duration
		for took == 0 {
			select {
			case err := <-exited:
				return out, fmt.Errorf("startup: the server exited before it was ready: %v", err)
			case <-ctx.Done():
				cmd.Process.Kill()
				return out, ctx.Err()
			default:
			}
			if time.Since(t0) > 60*time.Second {
				cmd.Process.Kill()
				return out, errors.New("startup: not ready after 60 s")
			}
			res, err := client.Get(readyURL)
			if err == nil {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					took = time.Since(t0)
					break
				}
			}
			time.Sleep(2 * time.Millisecond)
		}
		out = append(out, took)
		fmt.Fprintf(stdout, "start %d: ready in %s\n", i+1, ms(took))
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	}
	return out, nil
}
