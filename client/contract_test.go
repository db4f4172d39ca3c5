package client_test

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/zitpass/zitpass-go/auth"
	"github.com/zitpass/zitpass-go/client"
	"github.com/zitpass/zitpass-go/client/clienttest"
	"golang.org/x/oauth2"
)

// These declarations fail to compile when the public API drifts from the contract the SDK promises (the signatures README.md documents).
var (
	_ func(string, ...client.Option) (*client.Client, error)          = client.New
	_ func(context.Context, ...client.Option) (*client.Client, error) = client.NewFromEnv
	_ func(oauth2.TokenSource) client.Option                          = client.WithTokenSource
	_ func(*http.Client) client.Option                                = client.WithHTTPClient
	_ func(string) client.Option                                      = client.WithOrgID
	_ func(client.RetryPolicy) client.Option                          = client.WithRetryPolicy
	_ func() client.Option                                            = client.WithoutRetries
	_ func(string) client.Option                                      = client.WithUserAgent
	_ func(*slog.Logger) client.Option                                = client.WithLogger
	_ func() client.Option                                            = client.WithInsecureHTTP
	_ func(string) client.CallOption                                  = client.InOrg
	_ func(client.NotificationType, string) client.ResetDelivery      = client.SendLink
	_ func() client.ResetDelivery                                     = client.ReturnCode

	_ func(*client.ManagementService, context.Context, string, string, ...client.CallOption) (*client.Details, error)               = (*client.ManagementService).SetHumanInitialPassword
	_ func(*client.UserService, context.Context, string, client.ResetDelivery, ...client.CallOption) (*client.PasswordReset, error) = (*client.UserService).RequestPasswordReset
	_ func(*client.UserService, context.Context, string, client.SetPasswordRequest, ...client.CallOption) (*client.Details, error)  = (*client.UserService).SetPassword

	_ = client.Client{Users: (*client.UserService)(nil), Sessions: (*client.SessionService)(nil), Settings: (*client.SettingsService)(nil),
		Management: (*client.ManagementService)(nil), Auth: (*client.AuthService)(nil)}
	_ func(string) client.Option = client.WithInstanceHost

	// The password lifecycle (second round).
	_ func(*client.UserService, context.Context, client.AddHumanUserRequest, ...client.CallOption) (*client.AddedUser, error) = (*client.UserService).AddHumanUser
	_ func(*client.UserService, context.Context, string, ...client.CallOption) (*client.User, error)                          = (*client.UserService).GetUser
	_ func(*client.UserService, context.Context, string, ...client.CallOption) (bool, error)                                  = (*client.UserService).HasPassword
	_ func(*client.UserService, context.Context, string, ...client.CallOption) (*client.Details, error)                       = (*client.UserService).UnlockUser
	_                                                                                                                         = client.AddHumanUserRequest{UserID: "", OrgID: "", Username: "", GivenName: "", FamilyName: "", Email: "", EmailVerified: false,
		Phone: "", Password: "", PasswordHash: "", ChangeRequired: false}
	_ = client.AddedUser{UserID: "", Details: client.Details{}}
	_ = [...]client.UserState{client.UserStateUnspecified, client.UserStateActive, client.UserStateInactive, client.UserStateDeleted,
		client.UserStateLocked, client.UserStateInitial}
	_ = client.User{ID: "", Username: "", Email: "", OrgID: "", State: client.UserStateActive, EmailVerified: false,
		PasswordChangeRequired: false, PasswordChanged: time.Time{}, Details: client.Details{}}
	_ func(string) client.UserRef                                                                                                      = client.ByUserID
	_ func(string) client.UserRef                                                                                                      = client.ByLoginName
	_                                                                                                                                  = client.Session{ID: "", Token: "", Details: client.Details{}}
	_ func(*client.SessionService, context.Context, client.UserRef, string, ...client.CallOption) (*client.Session, error)             = (*client.SessionService).CreateWithPassword
	_ func(*client.SessionService, context.Context, string, string, ...client.CallOption) error                                        = (*client.SessionService).Delete
	_ func(*client.SessionService, context.Context, client.UserRef, string, ...client.CallOption) error                                = (*client.SessionService).VerifyPassword
	_ func(*client.SettingsService, context.Context, ...client.CallOption) (*client.PasswordComplexity, error)                         = (*client.SettingsService).PasswordComplexity
	_ func(*client.SettingsService, context.Context, ...client.CallOption) (*client.Lockout, error)                                    = (*client.SettingsService).Lockout
	_ func(*client.SettingsService, context.Context, ...client.CallOption) (*client.PasswordExpiry, error)                             = (*client.SettingsService).PasswordExpiry
	_                                                                                                                                  = client.PasswordComplexity{MinLength: 0, RequiresUppercase: false, RequiresLowercase: false, RequiresNumber: false, RequiresSymbol: false}
	_ func(client.PasswordComplexity, string) error                                                                                    = client.PasswordComplexity.Check
	_                                                                                                                                  = client.Lockout{MaxPasswordAttempts: 0, MaxOTPAttempts: 0}
	_                                                                                                                                  = client.PasswordExpiry{MaxAgeDays: 0, ExpireWarnDays: 0}
	_                                                                                                                                  = client.APIError{FailedAttempts: 0}
	_ func(*client.ManagementService, context.Context, string, string, bool, ...client.CallOption) (*client.Details, error)            = (*client.ManagementService).SetHumanPassword
	_ func(*client.ManagementService, context.Context, string, client.NotificationType, ...client.CallOption) (*client.Details, error) = (*client.ManagementService).SendHumanResetPasswordNotification
	_ func(*client.AuthService, context.Context, string, string, ...client.CallOption) (*client.Details, error)                        = (*client.AuthService).UpdateMyPassword
	_                                                                                                                                  = client.PasswordReset{Details: client.Details{}, VerificationCode: ""}
	_                                                                                                                                  = client.SetPasswordRequest{NewPassword: "", ChangeRequired: false, CurrentPassword: "", VerificationCode: ""}
	_                                                                                                                                  = client.Details{Sequence: uint64(0), CreationDate: time.Time{}, ChangeDate: time.Time{}, ResourceOwner: ""}
	_                                                                                                                                  = client.APIError{StatusCode: 0, Code: client.Code(0), Message: "", ID: "", Operation: ""}
	_                                                                                                                                  = client.ValidationError{Field: "", Reason: ""}
	_                                                                                                                                  = [...]client.NotificationType{client.NotificationUnspecified, client.NotificationEmail, client.NotificationSMS}
	_                                                                                                                                  = [...]error{client.ErrInvalidArgument, client.ErrNotFound, client.ErrAlreadyExists, client.ErrPermissionDenied,
		client.ErrUnauthenticated, client.ErrFailedPrecondition, client.ErrRateLimited, client.ErrUnavailable,
		client.ErrInternal, client.ErrOutcomeUnknown}
	_ error                        = (*client.APIError)(nil)
	_ error                        = (*client.ValidationError)(nil)
	_ interface{ Is(error) bool }  = (*client.APIError)(nil)
	_ interface{ String() string } = client.Code(0)
	_ int32                        = int32(client.Code(0))

	_ string                                                                       = auth.ScopeZitadelAPI
	_ []string                                                                     = auth.DefaultScopes
	_ func(string) oauth2.TokenSource                                              = auth.PAT
	_ func(context.Context, string, []byte, ...string) (oauth2.TokenSource, error) = auth.JWTProfile
	_ func(context.Context, string, string, ...string) (oauth2.TokenSource, error) = auth.JWTProfileFile
	_ func(context.Context, string, string, string, ...string) oauth2.TokenSource  = auth.ClientCredentials

	_ func(...clienttest.ServerOption) *clienttest.Server       = clienttest.NewServer
	_ func(*clienttest.Server)                                  = (*clienttest.Server).Close
	_ func(*clienttest.Server) string                           = (*clienttest.Server).URL
	_ func(*clienttest.Server) string                           = (*clienttest.Server).PAT
	_ func(*clienttest.Server, ...client.Option) *client.Client = (*clienttest.Server).Client
	_ func(*clienttest.Server, clienttest.HumanUser) string     = (*clienttest.Server).AddHumanUser
	_ func(*clienttest.Server) []clienttest.Notification        = (*clienttest.Server).Notifications
	_ func(*clienttest.Server, string, string) bool             = (*clienttest.Server).CheckPassword
	_ func(*clienttest.Server, string) bool                     = (*clienttest.Server).PasswordChangeRequired
	_                                                           = clienttest.HumanUser{OrgID: "", Username: "", Email: "", Phone: "", Password: "", Initial: false}
	_                                                           = clienttest.Notification{UserID: "", Type: client.NotificationEmail, Code: "", Link: ""}
)
