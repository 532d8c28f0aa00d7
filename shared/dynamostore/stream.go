package dynamostore

import (
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/open3ds/server/shared/threeds"
)

// BecameFinal decodes a record of the table's stream: the transaction of an
// INSERT or MODIFY whose new image is a final transaction and whose old
// image was not. Any other record (another item type, a change within the
// final state, a delete) is (nil, false, nil). The transaction comes from
// the record's new image: no read of the table. It is a method so that what
// the store seals at rest is opened here as on a read.
func (s *Store) BecameFinal(rec events.DynamoDBEventRecord) (*threeds.Transaction, bool, error) {
	if rec.EventName != string(events.DynamoDBOperationTypeInsert) && rec.EventName != string(events.DynamoDBOperationTypeModify) {
		return nil, false, nil
	}
	img := rec.Change.NewImage
	if streamString(img, attrType) != TypeTransaction || streamString(img, "state") != string(threeds.StateFinal) {
		return nil, false, nil
	}
	if streamString(rec.Change.OldImage, "state") == string(threeds.StateFinal) {
		return nil, false, nil
	}
	item, err := fromStreamImage(img)
	if err != nil {
		return nil, false, fmt.Errorf("stream record %s: %w", rec.EventID, err)
	}
	it, err := decodeTxItem(item)
	if err != nil {
		return nil, false, fmt.Errorf("stream record %s: decode transaction item: %w", rec.EventID, err)
	}
	if it.ID == "" {
		return nil, false, fmt.Errorf("stream record %s: transaction without its ID", rec.EventID)
	}
	if err := s.openCAVV(it); err != nil {
		return nil, false, fmt.Errorf("stream record %s: %w", rec.EventID, err)
	}
	return fromTxItem(it), true, nil
}

func streamString(img map[string]events.DynamoDBAttributeValue, name string) string {
	v, ok := img[name]
	if !ok || v.DataType() != events.DataTypeString {
		return ""
	}
	return v.String()
}

// fromStreamImage converts a stream image (aws-lambda-go's attribute values)
// to the SDK's, which the item types decode from.
func fromStreamImage(img map[string]events.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	out := make(map[string]types.AttributeValue, len(img))
	for k, v := range img {
		av, err := fromStreamValue(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", k, err)
		}
		out[k] = av
	}
	return out, nil
}

func fromStreamValue(v events.DynamoDBAttributeValue) (types.AttributeValue, error) {
	switch v.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case events.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}, nil
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	case events.DataTypeList:
		var l []types.AttributeValue
		for _, e := range v.List() {
			av, err := fromStreamValue(e)
			if err != nil {
				return nil, err
			}
			l = append(l, av)
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	case events.DataTypeMap:
		m, err := fromStreamImage(v.Map())
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	}
	return nil, fmt.Errorf("unsupported stream attribute type %v", v.DataType())
}
