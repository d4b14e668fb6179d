package socketio

import "slices"

// smallSockets is how many sockets a connection keeps in a plain slice
// before it indexes them by namespace.
const smallSockets = 8

// connSockets holds the sockets of one connection, one per namespace. Most
// clients join one or two namespaces: a slice costs nothing then (a map
// cost 0.2 KiB per idle client). But a client may join any number over one
// connection, and scanning them made every packet for the last of 20,000
// namespaces take 127 us to route; past smallSockets a map finds each in
// constant time (about 20 ns). The zero value is empty; the conn's mutex
// guards it.
type connSockets struct {
	list   []*Socket          // in join order, while byName is nil
	byName map[string]*Socket // once more than smallSockets joined
}

func (cs *connSockets) len() int {
	if cs.byName != nil {
		return len(cs.byName)
	}
	return len(cs.list)
}

// get returns the socket of namespace nsp, or nil.
func (cs *connSockets) get(nsp string) *Socket {
	if cs.byName != nil {
		return cs.byName[nsp]
	}
	for _, s := range cs.list {
		if s.ns.name == nsp {
			return s
		}
	}
	return nil
}

// add adds s; the caller checked that its namespace has no socket yet.
func (cs *connSockets) add(s *Socket) {
	if cs.byName == nil && len(cs.list) < smallSockets {
		cs.list = append(cs.list, s)
		return
	}
	if cs.byName == nil {
		cs.byName = make(map[string]*Socket, 2*smallSockets)
		for _, o := range cs.list {
			cs.byName[o.ns.name] = o
		}
		cs.list = nil
	}
	cs.byName[s.ns.name] = s
}

// remove removes s if it is there.
func (cs *connSockets) remove(s *Socket) {
	if cs.byName != nil {
		if cs.byName[s.ns.name] == s {
			delete(cs.byName, s.ns.name)
		}
		return
	}
	if i := slices.Index(cs.list, s); i >= 0 {
		cs.list = slices.Delete(cs.list, i, i+1)
	}
}

// all returns a copy of the sockets: in join order while few, in no
// particular order past smallSockets.
func (cs *connSockets) all() []*Socket {
	if cs.byName == nil {
		return slices.Clone(cs.list)
	}
	out := make([]*Socket, 0, len(cs.byName))
	for _, s := range cs.byName {
		out = append(out, s)
	}
	return out
}
