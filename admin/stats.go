package admin

import (
	"context"
	"os"
	"slices"
	"time"
)

// serverStats is the server_stats event, the fields Node sends.
type serverStats struct {
	ServerID            string            `json:"serverId"`
	Hostname            string            `json:"hostname"`
	PID                 int               `json:"pid"`
	Uptime              float64           `json:"uptime"`
	ClientsCount        int               `json:"clientsCount"`
	PollingClientsCount int               `json:"pollingClientsCount"`
	AggregatedEvents    []aggregatedEvent `json:"aggregatedEvents"`
	Namespaces          []namespaceStats  `json:"namespaces"`
}

type namespaceStats struct {
	Name         string `json:"name"`
	SocketsCount int    `json:"socketsCount"`
}

// sendStats emits this node's stats at once and then every 2 seconds,
// through the admin namespace's adapter, so that the UIs on every node of
// a cluster get them, until Close.
func (a *Admin) sendStats() {
	defer a.done.Done()
	t := time.NewTicker(statsInterval)
	defer t.Stop()
	for {
		a.countNodes()
		_ = a.nsp.Load().Emit("server_stats", a.stats())
		select {
		case <-a.stop:
			return
		case <-t.C:
		}
	}
}

// countNodes notes whether this node is alone, for watched. An error
// counts as not alone: notifying for nothing is only slower.
func (a *Admin) countNodes() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	n, err := a.nsp.Load().Adapter().ServerCount(ctx)
	a.solo.Store(err == nil && n <= 1)
}

// stats are this node's numbers now; the aggregated events are those
// since the last call.
func (a *Admin) stats() *serverStats {
	io := a.io.Load()
	host, _ := os.Hostname()
	st := &serverStats{
		ServerID:            a.opts.ServerID,
		Hostname:            host,
		PID:                 os.Getpid(),
		Uptime:              time.Since(a.started).Seconds(),
		ClientsCount:        io.Engine().Count(),
		PollingClientsCount: int(max(0, a.engine.polling.Load())),
		AggregatedEvents:    a.engine.take(),
	}
	names := io.Namespaces()
	slices.Sort(names)
	for _, name := range names {
		if ns := io.Lookup(name); ns != nil {
			st.Namespaces = append(st.Namespaces, namespaceStats{Name: name, SocketsCount: len(ns.Sockets())})
		}
	}
	return st
}
