package emv3ds

// Message is any EMV 3DS message of this package (*AReq, *ARes, *PReq,
// *PRes, *CReq, *CRes, *RReq, *RRes, *Erro).
type Message interface {
	Type() MessageType
	Version() Version
}

// header is what Parse reads first.
type header struct {
	MessageType    MessageType `json:"messageType,omitempty"`
	MessageVersion Version     `json:"messageVersion,omitempty"`
}

// Parse decodes one message, choosing its type by messageType. The error is a
// *ValidationError: code 101 (with a nil Message) when data is not a JSON
// object or messageType is missing or unknown; otherwise the decoding
// problems of the typed decoder (202, 203, 204) with the Message set.
func Parse(data []byte) (Message, error) {
	var h header
	if err := unmarshalLenient(data, &h, new(decodeState)); err != nil {
		return nil, err
	}
	switch h.MessageType {
	case "":
		return nil, invalidMessage("messageType", "missing")
	case MessageTypeAReq:
		return decodeAs(data, new(AReq))
	case MessageTypeARes:
		return decodeAs(data, new(ARes))
	case MessageTypePReq:
		return decodeAs(data, new(PReq))
	case MessageTypePRes:
		return decodeAs(data, new(PRes))
	case MessageTypeCReq:
		return decodeAs(data, new(CReq))
	case MessageTypeCRes:
		return decodeAs(data, new(CRes))
	case MessageTypeRReq:
		return decodeAs(data, new(RReq))
	case MessageTypeRRes:
		return decodeAs(data, new(RRes))
	case MessageTypeErro:
		return decodeAs(data, new(Erro))
	}
	return nil, invalidMessage("messageType", "unknown message type")
}

// decodable is a message pointer with its decode state.
type decodable interface {
	Message
	state() *decodeState
	plainPtr() any
}

func (m *AReq) state() *decodeState { return &m.decoded }
func (m *ARes) state() *decodeState { return &m.decoded }
func (m *PReq) state() *decodeState { return &m.decoded }
func (m *PRes) state() *decodeState { return &m.decoded }
func (m *CReq) state() *decodeState { return &m.decoded }
func (m *CRes) state() *decodeState { return &m.decoded }
func (m *RReq) state() *decodeState { return &m.decoded }
func (m *RRes) state() *decodeState { return &m.decoded }
func (m *Erro) state() *decodeState { return &m.decoded }

func (m *AReq) plainPtr() any { type plain AReq; return (*plain)(m) }
func (m *ARes) plainPtr() any { type plain ARes; return (*plain)(m) }
func (m *PReq) plainPtr() any { type plain PReq; return (*plain)(m) }
func (m *PRes) plainPtr() any { type plain PRes; return (*plain)(m) }
func (m *CReq) plainPtr() any { type plain CReq; return (*plain)(m) }
func (m *CRes) plainPtr() any { type plain CRes; return (*plain)(m) }
func (m *RReq) plainPtr() any { type plain RReq; return (*plain)(m) }
func (m *RRes) plainPtr() any { type plain RRes; return (*plain)(m) }
func (m *Erro) plainPtr() any { type plain Erro; return (*plain)(m) }

// decodeAs decodes data into m leniently. On a 101 it returns a nil Message.
func decodeAs[T decodable](data []byte, m T) (Message, error) {
	if err := unmarshalLenient(data, m.plainPtr(), m.state()); err != nil {
		return nil, err
	}
	return m, m.state().err()
}

func decodeTyped[T decodable](data []byte, m T) (T, error) {
	if err := unmarshalLenient(data, m.plainPtr(), m.state()); err != nil {
		var zero T
		return zero, err
	}
	return m, m.state().err()
}

// DecodeAReq decodes an AReq leniently (names in any case, nulls as absent,
// numbers for numeric strings, …; see decode.go). The error, when not nil, is
// a *ValidationError: 101 with a nil message when data is not a JSON object,
// otherwise the message plus its decoding problems (202 critical extension,
// 203 empty value or wrong JSON type, 204 duplicate). Validate checks the rest.
func DecodeAReq(data []byte) (*AReq, error) { return decodeTyped(data, new(AReq)) }

// DecodeARes decodes an ARes leniently; errors as DecodeAReq.
func DecodeARes(data []byte) (*ARes, error) { return decodeTyped(data, new(ARes)) }

// DecodePReq decodes a PReq leniently; errors as DecodeAReq.
func DecodePReq(data []byte) (*PReq, error) { return decodeTyped(data, new(PReq)) }

// DecodePRes decodes a PRes leniently; errors as DecodeAReq.
func DecodePRes(data []byte) (*PRes, error) { return decodeTyped(data, new(PRes)) }

// DecodeCReq decodes a CReq (JSON, not base64) leniently; errors as DecodeAReq.
func DecodeCReq(data []byte) (*CReq, error) { return decodeTyped(data, new(CReq)) }

// DecodeCRes decodes a CRes (JSON, not base64) leniently; errors as DecodeAReq.
func DecodeCRes(data []byte) (*CRes, error) { return decodeTyped(data, new(CRes)) }

// DecodeRReq decodes an RReq leniently; errors as DecodeAReq.
func DecodeRReq(data []byte) (*RReq, error) { return decodeTyped(data, new(RReq)) }

// DecodeRRes decodes an RRes leniently; errors as DecodeAReq.
func DecodeRRes(data []byte) (*RRes, error) { return decodeTyped(data, new(RRes)) }

// DecodeErro decodes an Erro leniently; errors as DecodeAReq.
func DecodeErro(data []byte) (*Erro, error) { return decodeTyped(data, new(Erro)) }

// Validate validates any message with the rules that need no context (an
// ARes and an RReq with empty contexts).
func Validate(m Message) error {
	switch m := m.(type) {
	case *AReq:
		return m.Validate()
	case *ARes:
		return m.Validate(AResContext{})
	case *PReq:
		return m.Validate()
	case *PRes:
		return m.Validate()
	case *CReq:
		return m.Validate()
	case *CRes:
		return m.Validate()
	case *RReq:
		return m.Validate(RReqContext{})
	case *RRes:
		return m.Validate()
	case *Erro:
		return m.Validate()
	}
	return invalidMessage("messageType", "unknown message type")
}
