// Instructor-only tests for lab 11-http-proxy. (header: proxy core owner)
import { describe, expect, it } from "vitest";
// imports: forwarding

// /imports: forwarding
// imports: policies

// /imports: policies
// imports: core

// /imports: core

// tasks 1–2: forwarding and PROXY protocol

// /tasks 1–2

// tasks 3–4: routing and rate limiting

// /tasks 3–4

// tasks 5–6 and the whole proxy

// /tasks 5–6
