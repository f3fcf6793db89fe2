package web

import "net/http"

// The process editor's handlers; being written.

func (s *Server) apiProcess() http.Handler      { return s.apiNotFound() }
func (s *Server) apiSaveProcess() http.Handler  { return s.apiNotFound() }
func (s *Server) apiResetProcess() http.Handler { return s.apiNotFound() }
func (s *Server) pageProcesses() http.Handler   { return s.pageNotFound() }
func (s *Server) pageProcess() http.Handler     { return s.pageNotFound() }
