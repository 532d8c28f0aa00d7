package faulttest

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/open3ds/server/shared/app"
	"github.com/open3ds/server/shared/config"
	"github.com/open3ds/server/shared/emv3ds"
)

// DS_CA_FILE alone (no client certificate) is documented to "trust a
// simulator's own CA" (config.CertSource). The DS client the functions build
// must then reach a DS whose certificate that CA issued; only a certificate
// from another CA fails TLS (TestDirectoryServerFaults covers that one).
func TestCAFileWithoutClientCertificate(t *testing.T) {
	u, err := url.Parse(fakeDS.URL())
	require.NoError(t, err)
	a := &app.App{Config: config.Config{DS: config.DS{
		URL:                    u,
		Cert:                   config.CertSource{CAFile: fakeDS.pki.CAFile},
		ConnectTimeout:         time.Second,
		Timeout:                dsTimeout,
		ThreeDSServerRefNumber: "3DS_LOA_SER_OPEN_020200_00001",
	}}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ds, err := a.Directory(ctx)
	require.NoError(t, err)
	pres, err := ds.SendPReq(ctx, emv3ds.SchemeVisa, &emv3ds.PReq{
		MessageType: emv3ds.MessageTypePReq, MessageVersion: emv3ds.Version220,
		ThreeDSServerRefNumber: "3DS_LOA_SER_OPEN_020200_00001", ThreeDSServerTransID: "5b1d9e0c-3c52-4a8e-9d51-0a6f4e2b7c11",
	})
	require.NoError(t, err, "a DS certificate from the DS_CA_FILE CA is trusted without a client certificate")
	require.NotNil(t, pres)
}
