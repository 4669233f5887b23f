-- The loss-prevention, cash over/short and staff-hours reports read audit events, Z closes and
-- clock events straight from the stored documents, by kind and business day (Europe/Madrid).
CREATE INDEX documents_kind_day ON documents(kind, business_day);
