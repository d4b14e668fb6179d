package adapter_test

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/duplexio/duplex/adapter"
	"github.com/duplexio/duplex/parser"
)

// printNS is a Namespace that prints what it is asked to deliver.
type printNS struct{}

func (printNS) Name() string { return "/" }

func (printNS) Deliver(p *parser.Packet, _ adapter.BroadcastFlags, ids []adapter.SocketID) {
	ids = slices.Clone(ids) // ids is reused once Deliver returns
	slices.Sort(ids)
	fmt.Printf("%s to %v\n", p.AppendText(nil), ids)
}

func (printNS) DeliverWithAck(*parser.Packet, adapter.BroadcastFlags, []adapter.SocketID, func(*parser.Packet)) {
}
func (printNS) Disconnect([]adapter.SocketID, bool)              {}
func (printNS) Info(adapter.SocketID) (adapter.SocketInfo, bool) { return adapter.SocketInfo{}, false }

// Rooms and a broadcast to a room, except the sender.
func ExampleNewMemory() {
	a := adapter.NewMemory(printNS{})
	a.AddAll("alice", []adapter.Room{"alice", "lobby"})
	a.AddAll("bob", []adapter.Room{"bob", "lobby"})
	a.AddAll("carol", []adapter.Room{"carol"})

	fmt.Println(a.Rooms())
	fmt.Println(a.SocketRooms("alice"))

	p := &parser.Packet{Type: parser.Event, Data: []byte(`["chat","hi"]`)}
	a.Broadcast(p, &adapter.BroadcastOptions{Rooms: []adapter.Room{"lobby"}, Except: []adapter.Room{"alice"}})
	a.Broadcast(p, &adapter.BroadcastOptions{})

	a.DelAll("bob")
	fmt.Println(a.Rooms())
	// Output:
	// [alice bob carol lobby]
	// [alice lobby]
	// 2["chat","hi"] to [bob]
	// 2["chat","hi"] to [alice bob carol]
	// [alice carol lobby]
}

// An adapter that recovers connection states numbers the broadcasts that
// clients may have to recover: the offset goes last, where the client
// reads it.
func ExampleWithOffset() {
	p := &parser.Packet{Type: parser.Event, Data: json.RawMessage(`["news",1]`)}
	flags := adapter.BroadcastFlags{}
	if adapter.Stored(p, flags) {
		p = adapter.WithOffset(p, "1700000000000-0")
	}
	fmt.Println(string(p.Data))
	fmt.Println(adapter.Reaches([]string{"sid", "room1"}, []string{"room1"}, nil), adapter.Reaches([]string{"sid", "room1"}, nil, []string{"sid"}))
	// Output:
	// ["news",1,"1700000000000-0"]
	// true false
}

// The offset a recovering store gave an event, as its last argument.
func ExampleOffset() {
	p := adapter.WithOffset(&parser.Packet{Type: parser.Event, Data: []byte(`["m",1]`)}, "1700000000000-3")
	off, ok := adapter.Offset(p)
	fmt.Println(string(p.Data), off, ok)
	_, ok = adapter.Offset(&parser.Packet{Type: parser.Event, Data: []byte(`["m",1]`)})
	fmt.Println(ok)
	// Output:
	// ["m",1,"1700000000000-3"] 1700000000000-3 true
	// false
}
