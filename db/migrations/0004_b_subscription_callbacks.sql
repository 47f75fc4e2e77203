-- The callback URL a subscription was created with, so that renewal can create it again when Oura
-- answers 403/404 (the subscription no longer exists there) instead of failing every day.
ALTER TABLE webhook_subscriptions ADD COLUMN callback_url text;
