package web

import (
	"net/http"

	"github.com/egov-vn/egov/identity/oidcop"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routeTable records the patterns it registers, so that tests can hold the
// route list against the OpenAPI document and the authorization table.
type routeTable struct {
	mux      *http.ServeMux
	patterns []string
}

func (t *routeTable) Handle(pattern string, h http.Handler) {
	t.mux.Handle(pattern, h)
	t.patterns = append(t.patterns, pattern)
}

// addRoutes is the whole route table of the platform, in one place.
func addRoutes(mux *routeTable, s *Server) {
	// Operations.
	mux.Handle("GET /healthz", s.healthz())
	mux.Handle("GET /readyz", s.readyz())
	if s.cfg.Registry != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{}))
	}

	// API.
	mux.Handle("GET /api/v1/openapi.json", s.apiOpenAPI())
	mux.Handle("GET /api/v1/agencies", s.apiAgencies())
	mux.Handle("GET /api/v1/agencies/{code}", s.apiAgency())
	mux.Handle("GET /api/v1/procedures", s.apiProcedures())
	mux.Handle("GET /api/v1/procedures/{code}", s.apiProcedure())
	mux.Handle("GET /api/v1/fields", s.apiFields())
	mux.Handle("GET /api/v1/life-events", s.apiLifeEvents())
	if s.cfg.Identity != nil {
		mux.Handle("POST /api/v1/accounts", s.apiRegister())
		mux.Handle("POST /api/v1/auth/token", s.apiToken())
		mux.Handle("DELETE /api/v1/auth/token", s.apiRevokeToken())
		mux.Handle("GET /api/v1/me", s.apiMe())
		mux.Handle("PUT /api/v1/me/contact", s.apiUpdateContact())
		mux.Handle("POST /api/v1/businesses", s.apiRegisterBusiness())
		mux.Handle("GET /api/v1/agencies/{code}/officials", s.apiOfficials())
		mux.Handle("POST /api/v1/agencies/{code}/officials", s.apiAddOfficial())
		mux.Handle("PUT /api/v1/officials/{id}/roles", s.apiSetRoles())
	}
	// Reports and open data: aggregates for all, dashboards for leaders.
	if s.reports != nil {
		mux.Handle("GET /thong-ke", s.pageStatistics())
		mux.Handle("GET /du-lieu-mo", s.pageOpenData())
		mux.Handle("GET /api/v1/open/{dataset}", s.apiOpenData())
		mux.Handle("GET /api/v1/rankings/{kind}", s.apiRanking())
		if s.cfg.Identity != nil {
			mux.Handle("GET /bao-cao", s.pageReportsHome())
			mux.Handle("GET /bao-cao/{scope}", s.pageDashboard())
			mux.Handle("GET /bao-cao/{scope}/{table}", s.csvDashboard())
			mux.Handle("GET /api/v1/reports/{scope}", s.apiDashboard())
		}
	}
	if s.cfg.Calendar != nil {
		mux.Handle("GET /api/v1/calendar/add-working-days", s.apiAddWorkingDays())
		mux.Handle("GET /api/v1/calendar/holidays", s.apiHolidays())
		if s.cfg.Identity != nil {
			mux.Handle("PUT /api/v1/calendar/days/{date}", s.apiSetCalendarDay())
			mux.Handle("DELETE /api/v1/calendar/days/{date}", s.apiResetCalendarDay())
		}
	}
	if s.cfg.Dossiers != nil && s.cfg.Identity != nil {
		mux.Handle("GET /api/v1/tracking/{code}", s.apiTracking())
		mux.Handle("GET /api/v1/statistics/dossiers", s.apiDossierStatistics())
		mux.Handle("POST /api/v1/documents", s.apiUploadDocument())
		mux.Handle("GET /api/v1/documents", s.apiDocuments())
		mux.Handle("GET /api/v1/documents/{id}", s.apiDocument())
		mux.Handle("POST /api/v1/dossiers", s.apiCreateDossier())
		mux.Handle("GET /api/v1/dossiers", s.apiMyDossiers())
		mux.Handle("GET /api/v1/dossiers/{ref}", s.apiDossier())
		mux.Handle("PUT /api/v1/dossiers/{ref}", s.apiUpdateDossier())
		mux.Handle("DELETE /api/v1/dossiers/{ref}", s.apiDeleteDossier())
		mux.Handle("POST /api/v1/dossiers/{ref}/papers", s.apiAddPapers())
		mux.Handle("POST /api/v1/dossiers/{ref}/submit", s.apiSubmitDossier())
		mux.Handle("POST /api/v1/dossiers/{ref}/withdraw", s.apiWithdrawDossier())
		mux.Handle("POST /api/v1/dossiers/{ref}/supplement", s.apiSupplement())
		mux.Handle("POST /api/v1/dossiers/{ref}/rating", s.apiRateDossier())
		mux.Handle("POST /api/v1/dossiers/{ref}/actions", s.apiDossierAction())
		mux.Handle("GET /api/v1/dossiers/{ref}/receipt", s.apiDossierReceipt())
		mux.Handle("GET /api/v1/dossiers/{ref}/result", s.apiDossierResult())
		mux.Handle("GET /api/v1/dossiers/{ref}/apology", s.apiDossierApology())
		mux.Handle("GET /api/v1/dossiers/{ref}/payments", s.apiPayments())
		mux.Handle("POST /api/v1/dossiers/{ref}/payments", s.apiStartPayment())
		mux.Handle("GET /api/v1/payments/vnpay/ipn", s.apiPaymentIPN())
		mux.Handle("GET /api/v1/agencies/{code}/dossiers", s.apiAgencyQueue())
		mux.Handle("POST /api/v1/agencies/{code}/dossiers", s.apiCounterIntake())
		mux.Handle("POST /api/v1/agencies/{code}/dossiers/assign", s.apiAssign())
		mux.Handle("GET /api/v1/agencies/{code}/processes/{procedure}", s.apiProcess())
		mux.Handle("PUT /api/v1/agencies/{code}/processes/{procedure}", s.apiSaveProcess())
		mux.Handle("DELETE /api/v1/agencies/{code}/processes/{procedure}", s.apiResetProcess())
	}
	if s.cfg.Cabinet != nil && s.cfg.Identity != nil {
		mux.Handle("GET /api/v1/cabinet/agenda", s.apiCabinetAgenda())
		mux.Handle("GET /api/v1/cabinet/bodies", s.apiCabinetBodies())
		mux.Handle("POST /api/v1/cabinet/bodies", s.apiCreateBody())
		mux.Handle("PUT /api/v1/cabinet/bodies/{id}/members", s.apiSetBodyMembers())
		mux.Handle("POST /api/v1/cabinet/bodies/{id}/meetings", s.apiCreateMeeting())
		mux.Handle("POST /api/v1/cabinet/bodies/{id}/ballots", s.apiCreateBallot())
		mux.Handle("GET /api/v1/cabinet/meetings/{id}", s.apiMeeting())
		mux.Handle("POST /api/v1/cabinet/meetings/{id}/documents", s.apiMeetingDocument())
		mux.Handle("PUT /api/v1/cabinet/meetings/{id}/attendance", s.apiAttendance())
		mux.Handle("POST /api/v1/cabinet/meetings/{id}/minutes", s.apiMinutes())
		mux.Handle("GET /api/v1/cabinet/ballots/{id}", s.apiBallot())
		mux.Handle("POST /api/v1/cabinet/ballots/{id}/documents", s.apiBallotDocument())
		mux.Handle("PUT /api/v1/cabinet/ballots/{id}/vote", s.apiVote())
		mux.Handle("POST /api/v1/cabinet/ballots/{id}/close", s.apiCloseBallot())
		mux.Handle("GET /api/v1/cabinet/documents/{id}", s.apiCabinetDocument())
	}
	if s.cfg.Exchange != nil {
		mux.Handle("POST /api/v1/exchange/token", s.apiExchangeToken())
		mux.Handle("POST /api/v1/exchange/messages", s.apiExchangeSubmit())
		mux.Handle("GET /api/v1/exchange/messages", s.apiExchangeMessages())
		mux.Handle("GET /api/v1/exchange/messages/{id}", s.apiExchangeMessage())
		mux.Handle("GET /api/v1/exchange/messages/{id}/body", s.apiExchangeBody())
		mux.Handle("GET /api/v1/exchange/inbox", s.apiExchangeInbox())
		mux.Handle("POST /api/v1/exchange/inbox/{id}/ack", s.apiExchangeAck())
		mux.Handle("GET /api/v1/exchange/members/{code}", s.apiExchangeMember())
		if s.cfg.Identity != nil {
			mux.Handle("PUT /api/v1/exchange/members/{code}", s.apiExchangeSaveMember())
			mux.Handle("POST /api/v1/exchange/members/{code}/keys", s.apiExchangeAddKey())
			mux.Handle("POST /api/v1/exchange/members/{code}/clients", s.apiExchangeAddClient())
			mux.Handle("DELETE /api/v1/exchange/keys/{fingerprint}", s.apiExchangeRevokeKey())
			mux.Handle("DELETE /api/v1/exchange/clients/{id}", s.apiExchangeRevokeClient())
		}
		if s.cfg.Identity != nil {
			// The clerk's pages (văn thư): the agency's documents on the axis.
			mux.Handle("GET /lien-thong", s.pageExchange())
			mux.Handle("GET /lien-thong/{id}", s.pageExchangeMessage())
			mux.Handle("GET /lien-thong/{id}/xml", s.pageExchangeXML())
		}
	}
	if s.cfg.Federation != nil {
		mux.Handle("POST /api/v1/federation/token", s.apiFederationToken())
		mux.Handle("POST /api/v1/federation/dossiers", s.apiFederationPush())
		mux.Handle("GET /api/v1/federation/dossiers/{code}", s.apiFederationDossier())
		mux.Handle("GET /api/v1/federation/catalog", s.apiFederationCatalog())
		if s.cfg.Identity != nil {
			mux.Handle("GET /api/v1/federation/systems/{id}", s.apiFederationSystem())
			mux.Handle("PUT /api/v1/federation/systems/{id}", s.apiFederationSaveSystem())
			mux.Handle("POST /api/v1/federation/systems/{id}/clients", s.apiFederationAddClient())
		}
	}
	mux.Handle("/api/", s.apiNotFound())
	if s.cfg.PaymentSandbox != nil {
		mux.Handle("GET /sandbox/vnpay/", s.cfg.PaymentSandbox)
		mux.Handle("POST /sandbox/vnpay/", s.cfg.PaymentSandbox)
	}

	// Portal pages.
	mux.Handle("GET /static/", staticFiles())
	mux.Handle("GET /{$}", s.pageHome())
	mux.Handle("GET /thu-tuc", s.pageSearch())
	mux.Handle("GET /thu-tuc/{code}", s.pageProcedure())
	mux.Handle("GET /linh-vuc", s.pageFields())
	mux.Handle("GET /co-quan", s.pageAgencies())
	mux.Handle("GET /co-quan/{code}", s.pageAgency())
	mux.Handle("GET /su-kien/{code}", s.pageLifeEvent())
	mux.Handle("GET /ngon-ngu/{lang}", s.setLanguage())
	if s.cfg.Identity != nil {
		mux.Handle("GET /dang-ky", s.pageRegister())
		mux.Handle("POST /dang-ky", s.pageRegister())
		mux.Handle("GET /dang-nhap", s.pageSignIn())
		mux.Handle("POST /dang-nhap", s.pageSignIn())
		mux.Handle("POST /dang-xuat", s.pageSignOut())
		mux.Handle("GET /dang-nhap/vneid", s.pageOIDCStart())
		mux.Handle("GET /dang-nhap/vneid/callback", s.pageOIDCCallback())
		if s.cfg.OIDCProvider != nil {
			// This instance as the OpenID provider of the connected portals.
			mux.Handle("GET "+oidcop.Prefix+"/", s.cfg.OIDCProvider.Handler())
			mux.Handle("POST "+oidcop.Prefix+"/", s.cfg.OIDCProvider.Handler())
			mux.Handle("GET "+oidcop.LoginPath, s.pageOIDCContinue())
		}
		if s.cfg.Dossiers != nil {
			// The citizen's documents, for a portal that signed them in
			// through this instance's provider: they follow the citizen.
			// Without a provider no token opens them.
			mux.Handle("GET /api/v1/federation/documents", s.apiFederationDocuments())
			mux.Handle("GET /api/v1/federation/documents/{id}", s.apiFederationDocument())
		}
		mux.Handle("GET /xac-thuc-email", s.pageVerifyEmail())
		mux.Handle("POST /xac-thuc-email", s.pageVerifyEmail())
		mux.Handle("GET /quen-mat-khau", s.pageForgotPassword())
		mux.Handle("POST /quen-mat-khau", s.pageForgotPassword())
		mux.Handle("GET /dat-lai-mat-khau", s.pageResetPassword())
		mux.Handle("POST /dat-lai-mat-khau", s.pageResetPassword())
		mux.Handle("GET /tai-khoan", s.pageAccount())
		mux.Handle("POST /tai-khoan/lien-he", s.pageUpdateContact())
		mux.Handle("POST /tai-khoan/mat-khau", s.pageChangePassword())
		mux.Handle("POST /tai-khoan/dang-xuat-tat-ca", s.pageSignOutEverywhere())
		mux.Handle("GET /tai-khoan/doanh-nghiep", s.pageRegisterBusiness())
		mux.Handle("POST /tai-khoan/doanh-nghiep", s.pageRegisterBusiness())
		mux.Handle("GET /quan-tri/can-bo", s.pageOfficials())
		mux.Handle("POST /quan-tri/can-bo", s.pageAddOfficial())
		mux.Handle("POST /quan-tri/can-bo/{id}/vai-tro", s.pageSetRoles())
	}
	if s.cfg.Dossiers != nil && s.cfg.Identity != nil {
		mux.Handle("GET /tra-cuu", s.pageTrack())
		mux.Handle("GET /nop-ho-so/{code}", s.pageApply())
		mux.Handle("POST /nop-ho-so/{code}", s.pageApply())
		mux.Handle("GET /ho-so", s.pageMyDossiers())
		mux.Handle("GET /ho-so/{ref}", s.pageDossier())
		mux.Handle("GET /ho-so/{ref}/sua", s.pageEditDraft())
		mux.Handle("POST /ho-so/{ref}/sua", s.pageEditDraft())
		mux.Handle("POST /ho-so/{ref}/xoa", s.pageDeleteDraft())
		mux.Handle("POST /ho-so/{ref}/rut", s.pageWithdraw())
		mux.Handle("POST /ho-so/{ref}/bo-sung", s.pageSupplement())
		mux.Handle("POST /ho-so/{ref}/danh-gia", s.pageRate())
		mux.Handle("POST /ho-so/{ref}/xu-ly", s.pageAct())
		mux.Handle("GET /ho-so/{ref}/giay-tiep-nhan", s.pageDossierReceipt())
		mux.Handle("GET /ho-so/{ref}/ket-qua", s.pageDossierResult())
		mux.Handle("POST /ho-so/{ref}/thanh-toan", s.pagePay())
		mux.Handle("GET /thanh-toan/ket-qua", s.pagePaymentReturn())
		mux.Handle("GET /mot-cua/doi-soat", s.pageReconcile())
		mux.Handle("POST /mot-cua/doi-soat", s.pageRunReconcile())
		mux.Handle("GET /kho-giay-to", s.pageDocuments())
		mux.Handle("POST /kho-giay-to", s.pageDocuments())
		mux.Handle("GET /giay-to/{id}", s.pageDocument())
		mux.Handle("GET /ho-so/{ref}/phieu-xin-loi", s.apiDossierApology())
		mux.Handle("GET /mot-cua", s.pageQueue())
		mux.Handle("POST /mot-cua/phan-cong", s.pageAssign())
		mux.Handle("GET /mot-cua/tiep-nhan", s.pageIntake())
		mux.Handle("POST /mot-cua/tiep-nhan", s.pageIntake())
		mux.Handle("GET /quan-tri/quy-trinh", s.pageProcesses())
		mux.Handle("GET /quan-tri/quy-trinh/{procedure}", s.pageProcess())
		mux.Handle("POST /quan-tri/quy-trinh/{procedure}", s.pageProcess())
	}
	if s.cfg.Cabinet != nil && s.cfg.Identity != nil {
		mux.Handle("GET /noi-cac", s.pageCabinet())
		mux.Handle("GET /noi-cac/hop/{id}", s.pageMeeting())
		mux.Handle("POST /noi-cac/hop/{id}/diem-danh", s.pageAttendance())
		mux.Handle("POST /noi-cac/hop/{id}/bien-ban", s.pageMinutes())
		mux.Handle("GET /noi-cac/phieu/{id}", s.pageBallot())
		mux.Handle("POST /noi-cac/phieu/{id}/tra-loi", s.pageVote())
		mux.Handle("POST /noi-cac/phieu/{id}/tong-hop", s.pageCloseBallot())
		mux.Handle("GET /noi-cac/tai-lieu/{id}", s.pageCabinetDocument())
		mux.Handle("GET /noi-cac/co-quan/{id}/phieu-moi", s.pageNewBallot())
		mux.Handle("POST /noi-cac/co-quan/{id}/phieu-moi", s.pageNewBallot())
		mux.Handle("GET /noi-cac/co-quan/{id}/hop-moi", s.pageNewMeeting())
		mux.Handle("POST /noi-cac/co-quan/{id}/hop-moi", s.pageNewMeeting())
		mux.Handle("POST /noi-cac/hop/{id}/tai-lieu", s.pageCabinetUpload(true))
		mux.Handle("POST /noi-cac/phieu/{id}/tai-lieu", s.pageCabinetUpload(false))
	}
	// The national reporting system.
	if s.cfg.Identity != nil && s.cfg.Catalog != nil && s.cfg.DB != nil {
		mux.Handle("GET /api/v1/report-templates", s.apiReportTemplates())
		mux.Handle("PUT /api/v1/report-templates/{code}", s.apiSaveReportTemplate())
		mux.Handle("GET /api/v1/report-duties", s.apiReportDuties())
		mux.Handle("POST /api/v1/report-duties", s.apiCreateReportDuty())
		mux.Handle("GET /api/v1/report-duties/overdue", s.apiReportOverdue())
		mux.Handle("GET /api/v1/report-duties/aggregate", s.apiReportAggregate())
		mux.Handle("GET /api/v1/report-duties/{duty}/{period}", s.apiReportDuty())
		mux.Handle("PUT /api/v1/report-duties/{duty}/{period}", s.apiSaveReportDuty(false))
		mux.Handle("POST /api/v1/report-duties/{duty}/{period}/submit", s.apiSaveReportDuty(true))
		mux.Handle("POST /api/v1/report-duties/{duty}/{period}/review", s.apiReviewReportDuty())
		mux.Handle("GET /bao-cao-dinh-ky", s.pageReportDuties())
		mux.Handle("GET /bao-cao-dinh-ky/tre-han", s.pageReportOverdue())
		mux.Handle("GET /bao-cao-dinh-ky/tong-hop", s.pageReportAggregate())
		mux.Handle("GET /bao-cao-dinh-ky/{duty}/{period}", s.pageReportDuty())
		mux.Handle("POST /bao-cao-dinh-ky/{duty}/{period}", s.pageSaveReportDuty())
		mux.Handle("POST /bao-cao-dinh-ky/{duty}/{period}/duyet", s.pageReviewReportDuty())
		mux.Handle("GET /quan-tri/bao-cao-dinh-ky", s.pageReportAdmin())
		mux.Handle("POST /quan-tri/bao-cao-dinh-ky/mau", s.pageSaveReportTemplate())
		mux.Handle("POST /quan-tri/bao-cao-dinh-ky/nhiem-vu", s.pageCreateReportDuty())
	}
	mux.Handle("/", s.pageNotFound())
}
