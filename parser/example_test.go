package parser_test

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/duplexio/duplex/parser"
)

func ExamplePacket_AppendText() {
	p := parser.Packet{Type: parser.Event, Namespace: "/admin", ID: 12, HasID: true, Data: json.RawMessage(`["hello",1]`)}
	fmt.Printf("%s\n", p.AppendText(nil))

	// With attachments the packet goes out as a BINARY_EVENT, followed by
	// one binary message per attachment.
	data, atts, err := parser.MarshalArray([]any{"upload", []byte{1, 2, 3}})
	if err != nil {
		panic(err)
	}
	p = parser.Packet{Type: parser.Event, Namespace: "/", Data: data, Attachments: atts}
	fmt.Printf("%s + %d binary message(s)\n", p.AppendText(nil), len(p.Attachments))
	// Output:
	// 2/admin,12["hello",1]
	// 51-["upload",{"_placeholder":true,"num":0}] + 1 binary message(s)
}

func ExampleDecoder() {
	var d parser.Decoder // one per connection
	p, err := d.DecodeText([]byte(`51-/admin,7["upload",{"_placeholder":true,"num":0}]`))
	fmt.Println(p, err) // waiting for the attachment
	p, err = d.DecodeBinary([]byte{1, 2, 3})
	if err != nil {
		panic(err)
	}
	fmt.Println(p.Type, p.Namespace, p.ID, string(p.Data), p.Attachments)

	// A typed handler turns placeholders back into []byte.
	raw, err := parser.InlineAttachments(p.Data, p.Attachments)
	if err != nil {
		panic(err)
	}
	var args []json.RawMessage
	var file []byte
	if err := json.Unmarshal(raw, &args); err != nil {
		panic(err)
	}
	if err := json.Unmarshal(args[1], &file); err != nil {
		panic(err)
	}
	fmt.Println(file)

	_, err = d.DecodeText([]byte(`2["connect"]`))
	fmt.Println(err)
	// Output:
	// <nil> <nil>
	// EVENT /admin 7 ["upload",{"_placeholder":true,"num":0}] [[1 2 3]]
	// [1 2 3]
	// parser: invalid packet: reserved event name "connect"
}

// A server bounds what a binary packet may hold while its attachments
// arrive; the last attachment is not held, so it may be of any size.
func ExampleDecoder_maxPendingBytes() {
	d := parser.Decoder{MaxPendingBytes: 1000}
	_, _ = d.DecodeText([]byte(`52-["upload",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`))
	_, err := d.DecodeBinary(make([]byte, 990))
	fmt.Println(errors.Is(err, parser.ErrPendingTooLarge), err)

	_, _ = d.DecodeText([]byte(`51-["upload",{"_placeholder":true,"num":0}]`))
	p, err := d.DecodeBinary(make([]byte, 5000))
	fmt.Println(len(p.Attachments[0]), err)
	// Output:
	// true parser: invalid packet: binary packet over the bytes held for its attachments (limit 1000)
	// 5000 <nil>
}

func ExampleResolveAttachments() {
	var v any
	if err := json.Unmarshal([]byte(`["upload",{"name":"a.bin","body":{"_placeholder":true,"num":0}}]`), &v); err != nil {
		panic(err)
	}
	v, err := parser.ResolveAttachments(v, [][]byte{[]byte("hello")})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%q\n", v.([]any)[1].(map[string]any)["body"])
	// Output: "hello"
}
