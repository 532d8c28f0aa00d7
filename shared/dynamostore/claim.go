package dynamostore

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/open3ds/server/shared/threeds"
)

var _ threeds.AReqClaimer = (*Store)(nil)

// attrClaimedFrom holds, on a claimed transaction, the state it had before
// the claim (for ReleaseAReqClaim). It is not part of the domain: the next
// write of the transaction (the ARes) drops it.
const attrClaimedFrom = "ps"

// ClaimAReq implements threeds.AReqClaimer: one UpdateItem, conditional on
// the merchant, the expiry, the state and the card, that marks the AReq
// sent and returns the whole item (ReturnValues ALL_NEW). The condition is
// what makes an AReq go out at most once: of two claims DynamoDB applies
// exactly one. A transaction in the legacy layout has no "ph" and is
// refused (the caller's read-then-write path takes it).
func (s *Store) ClaimAReq(ctx context.Context, merchantID, id, panHash string, now time.Time) (*threeds.Transaction, threeds.State, error) {
	if id == "" || len(id) > maxIDBytes || merchantID == "" || panHash == "" {
		return nil, "", fmt.Errorf("claim transaction %s: %w", id, threeds.ErrAReqClaimRefused)
	}
	at := ts(now)
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           s.tableName(),
		Key:                 key(txPK(id), txSK),
		UpdateExpression:    aws.String("SET #ps = #st, #st = :sent, #v = #v + :one, #qa = :at, #ua = :at"),
		ConditionExpression: aws.String("#m = :m AND #e > :now AND #ph = :ph AND #st IN (:s1, :s2, :s3)"),
		ExpressionAttributeNames: map[string]string{
			"#ps": attrClaimedFrom, "#st": "state", "#v": attrVersion, "#qa": "qa", "#ua": "ua",
			"#m": "merchantId", "#e": attrExpiresAt, "#ph": "ph",
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":sent": str(string(threeds.StateAReqSent)), ":one": num(1), ":at": str(at),
			":m": str(merchantID), ":now": num(s.now().Unix()), ":ph": str(panHash),
			":s1": str(string(threeds.StatePreAuthenticated)), ":s2": str(string(threeds.StateMethodPending)),
			":s3": str(string(threeds.StateMethodCompleted)),
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if isConditionFailed(err) {
		return nil, "", fmt.Errorf("claim transaction %s: %w", id, threeds.ErrAReqClaimRefused)
	}
	if err != nil {
		return nil, "", fmt.Errorf("claim transaction %s: %w", id, err)
	}
	prev := threeds.State("")
	if v, ok := out.Attributes[attrClaimedFrom].(*types.AttributeValueMemberS); ok {
		prev = threeds.State(v.Value)
	}
	it, err := decodeTxItem(out.Attributes)
	if err != nil {
		return nil, "", fmt.Errorf("claim transaction %s: decode: %w", id, err)
	}
	if err := s.openCAVV(it); err != nil {
		return nil, "", fmt.Errorf("claim transaction %s: %w", id, err)
	}
	return fromTxItem(it), prev, nil
}

// ReleaseAReqClaim implements threeds.AReqClaimer: back to prev, on the
// condition that nobody wrote since the claim.
func (s *Store) ReleaseAReqClaim(ctx context.Context, claimed *threeds.Transaction, prev threeds.State, now time.Time) error {
	if !prev.Valid() {
		return fmt.Errorf("release transaction %s: state %q", claimed.ID, prev)
	}
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           s.tableName(),
		Key:                 key(txPK(claimed.ID), txSK),
		UpdateExpression:    aws.String("SET #st = :prev, #v = #v + :one, #ua = :at REMOVE #ps, #qa"),
		ConditionExpression: aws.String("#v = :v AND #st = :sent"),
		ExpressionAttributeNames: map[string]string{
			"#ps": attrClaimedFrom, "#st": "state", "#v": attrVersion, "#qa": "qa", "#ua": "ua",
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":prev": str(string(prev)), ":one": num(1), ":at": str(ts(now)), ":v": num(claimed.Version),
			":sent": str(string(threeds.StateAReqSent)),
		},
	})
	if isConditionFailed(err) {
		return fmt.Errorf("release transaction %s: %w", claimed.ID, threeds.ErrConcurrentUpdate)
	}
	if err != nil {
		return fmt.Errorf("release transaction %s: %w", claimed.ID, err)
	}
	return nil
}
