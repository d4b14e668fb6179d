package redisadapter

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// entryReceiver receives the stream entries of its namespace.
type entryReceiver interface {
	onEntry(id string, values map[string]any)
}

// streamLog is the Redis stream shared by the namespaces of one Broker in
// ModeStreams: one reader (XREAD BLOCK from the last id seen, as Node's
// startPolling) and one writer that pipelines the queued commands (XADD,
// and the SET of sessions) in order.
//
// The writer's queue is bounded in commands and in bytes; past either
// bound a command is dropped and counted, so neither memory nor goroutines
// grow while Redis is slow or down.
type streamLog struct {
	client   goredis.UniversalClient
	name     string
	maxLen   int64
	count    int64
	block    time.Duration
	maxBytes int64
	log      *slog.Logger

	mu        sync.RWMutex
	receivers map[string]entryReceiver // by namespace

	queue   chan job
	bytes   atomic.Int64 // queued, not yet written
	dropped atomic.Int64
	down    atomic.Bool
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// job is one queued command; done, when set, gets its result on the
// writer's goroutine, in queue order.
type job struct {
	cmd  func(ctx context.Context, p goredis.Pipeliner) goredis.Cmder
	size int64
	done func(goredis.Cmder)
}

// pipelineMax bounds the commands sent in one round trip.
const pipelineMax = 128

func newStreamLog(client goredis.UniversalClient, o *Options) *streamLog {
	l := &streamLog{client: client, name: o.StreamName, maxLen: o.MaxLen, count: 100,
		block: o.StreamBlockTime, maxBytes: o.QueueBytes, log: o.Logger,
		receivers: map[string]entryReceiver{}, queue: make(chan job, o.QueueSize)}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	l.wg.Add(2)
	go l.readLoop()
	go l.writeLoop()
	return l
}

func (l *streamLog) register(nsp string, r entryReceiver) {
	l.mu.Lock()
	l.receivers[nsp] = r
	l.mu.Unlock()
}

func (l *streamLog) unregister(nsp string) {
	l.mu.Lock()
	delete(l.receivers, nsp)
	l.mu.Unlock()
}

// xadd returns the command appending values (field, value, ...) to the
// stream, trimmed as Node's XADD: MAXLEN ~ maxLen.
func (l *streamLog) xadd(values []string) func(context.Context, goredis.Pipeliner) goredis.Cmder {
	return func(ctx context.Context, p goredis.Pipeliner) goredis.Cmder {
		return p.XAdd(ctx, &goredis.XAddArgs{Stream: l.name, MaxLen: l.maxLen, Approx: true, Values: values})
	}
}

// enqueue queues j without blocking; a full queue drops it.
func (l *streamLog) enqueue(j job) error {
	if l.bytes.Add(j.size) > l.maxBytes {
		l.bytes.Add(-j.size)
		l.dropped.Add(1)
		return errQueueFull
	}
	select {
	case l.queue <- j:
		return nil
	case <-l.ctx.Done():
		l.bytes.Add(-j.size)
		return errClosed
	default:
		l.bytes.Add(-j.size)
		l.dropped.Add(1)
		return errQueueFull
	}
}

// add queues an entry without waiting for it to be written.
func (l *streamLog) add(values []string) error {
	return l.enqueue(job{cmd: l.xadd(values), size: valuesSize(values)})
}

// addThen queues an entry; once written (or failed), done gets its id
// or the error, on the writer's goroutine and in queue order. When the
// entry cannot be queued, addThen returns the error and done is not
// called.
func (l *streamLog) addThen(values []string, done func(id string, err error)) error {
	return l.enqueue(job{cmd: l.xadd(values), size: valuesSize(values), done: func(c goredis.Cmder) {
		done(c.(*goredis.StringCmd).Result())
	}})
}

func valuesSize(values []string) int64 {
	n := int64(0)
	for _, v := range values {
		n += int64(len(v))
	}
	return n
}

// writeLoop sends the queued commands, up to pipelineMax per round trip,
// in queue order. On close it writes what is queued (sessions persisted
// by the server's Shutdown) within a short deadline.
func (l *streamLog) writeLoop() {
	defer l.wg.Done()
	batch := make([]job, 0, pipelineMax)
	for {
		select {
		case j := <-l.queue:
			batch = l.collect(append(batch[:0], j))
			l.exec(l.ctx, batch)
		case <-l.ctx.Done():
			l.flush()
			return
		}
	}
}

// collect adds the jobs already queued to batch, up to pipelineMax.
func (l *streamLog) collect(batch []job) []job {
	for len(batch) < pipelineMax {
		select {
		case j := <-l.queue:
			batch = append(batch, j)
		default:
			return batch
		}
	}
	return batch
}

// flush writes what is left in the queue when the log closes.
func (l *streamLog) flush() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		batch := l.collect(nil)
		if len(batch) == 0 {
			return
		}
		l.exec(ctx, batch)
	}
}

func (l *streamLog) exec(ctx context.Context, batch []job) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	p := l.client.Pipeline()
	cmds := make([]goredis.Cmder, len(batch))
	for i, j := range batch {
		cmds[i] = j.cmd(ctx, p)
	}
	_, err := p.Exec(ctx)
	if err != nil {
		l.setDown(err)
	} else {
		l.setUp()
	}
	for i, j := range batch {
		l.bytes.Add(-j.size)
		if j.done != nil {
			j.done(cmds[i])
		}
		batch[i] = job{}
	}
}

// readLoop reads the stream from the end, as Node does, then from the
// last id it saw, so that entries written while Redis was unreachable
// from here (but not down) are still read. Errors back off up to 5 s.
func (l *streamLog) readLoop() {
	defer l.wg.Done()
	offset := "$"
	backoff := time.Duration(0)
	for l.ctx.Err() == nil {
		res, err := l.client.XRead(l.ctx, &goredis.XReadArgs{Streams: []string{l.name, offset}, Count: l.count, Block: l.block}).Result()
		if err != nil && !errors.Is(err, goredis.Nil) {
			if l.ctx.Err() != nil {
				return
			}
			l.setDown(err)
			backoff = min(max(2*backoff, 100*time.Millisecond), 5*time.Second)
			l.sleep(backoff)
			continue
		}
		backoff = 0
		l.setUp()
		for _, s := range res {
			for _, e := range s.Messages {
				l.dispatch(e)
				offset = e.ID
			}
		}
	}
}

// dispatch hands an entry to its namespace; entries without nsp are not
// the adapter's (Node skips them too).
func (l *streamLog) dispatch(e goredis.XMessage) {
	nsp, _ := e.Values["nsp"].(string)
	if nsp == "" {
		return
	}
	l.mu.RLock()
	r := l.receivers[nsp]
	l.mu.RUnlock()
	if r != nil {
		r.onEntry(e.ID, e.Values)
	}
}

func (l *streamLog) sleep(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-l.ctx.Done():
	}
}

func (l *streamLog) setDown(err error) {
	if !l.down.Swap(true) {
		l.log.Error("redis adapter: stream unreachable; broadcasts reach local sockets only until it is back", "err", err)
	}
}

func (l *streamLog) setUp() {
	if l.down.Swap(false) {
		l.log.Info("redis adapter: stream reachable again", "dropped", l.dropped.Swap(0))
	}
}

// close stops the reader (within one XREAD block time) and the writer,
// after it wrote what was queued.
func (l *streamLog) close() {
	l.cancel()
	l.wg.Wait()
}
