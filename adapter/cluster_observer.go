package adapter

// ClusterObserver is told of a Cluster's exchanges with the other nodes,
// for metrics (see package metrics); ClusterOptions.Observer nil calls
// nothing. Its methods are called from many goroutines at once: they must
// be safe for concurrent use and return quickly.
type ClusterObserver interface {
	// Requested is called when a request to the other nodes ends; what is
	// fetchSockets, allRooms or serverSideEmit; err is nil, wraps
	// ErrTimeout when a node did not answer in time, or is the broker's.
	// Requests made while this node is alone are not told.
	Requested(what string, err error)
	// PublishFailed is called when the broker refused a message, or a
	// broker that queues its messages could not send one (a broadcast
	// then reaches no socket of another node).
	PublishFailed()
	// BrokerDown is called when this node loses its connection to the
	// broker, once per outage, and BrokerUp when the connection works
	// again; broker names it (BrokerRedis, BrokerNATS). A broker calls
	// BrokerUp when it is created with a working connection, so that an
	// up/down gauge exists before the first outage.
	BrokerDown(broker string)
	BrokerUp(broker string)
}

// The broker names a ClusterObserver is given.
const (
	BrokerRedis = "redis"
	BrokerNATS  = "nats"
)

func (c *Cluster) requested(what string, err error) {
	if c.obs != nil {
		c.obs.Requested(what, err)
	}
}
