ALTER TABLE `users` ADD `name_enc` text;--> statement-breakpoint
ALTER TABLE `users` ADD `phone_enc` text;--> statement-breakpoint
ALTER TABLE `users` ADD `address_enc` text;