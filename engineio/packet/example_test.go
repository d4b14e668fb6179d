package packet_test

import (
	"fmt"

	"github.com/duplexio/duplex/engineio/packet"
)

func ExampleDecodePayload() {
	pkts, err := packet.DecodePayload([]byte("4hello\x1e2\x1ebAQIDBA=="))
	if err != nil {
		panic(err)
	}
	for _, p := range pkts {
		fmt.Println(p.Type, p.Binary, p.Data)
	}
	// Output:
	// message false [104 101 108 108 111]
	// ping false []
	// message true [1 2 3 4]
}

func ExampleAppendPayload() {
	body := packet.AppendPayload(nil, []packet.Packet{
		{Type: packet.Message, Data: []byte("hello")},
		{Type: packet.Message, Data: []byte{1, 2, 3, 4}, Binary: true},
	})
	fmt.Printf("%q\n", body)
	// Output: "4hello\x1ebAQIDBA=="
}

func ExampleDecode() {
	p, err := packet.Decode([]byte("2probe"), false)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s %s\n", p.Type, p.Data)
	reply := packet.AppendText(nil, packet.Packet{Type: packet.Pong, Data: p.Data})
	fmt.Printf("%s\n", reply)
	// Output:
	// ping probe
	// 3probe
}
