ALTER TABLE `payments` MODIFY COLUMN `status` enum('unknown','succeeded','declined','refunded','none') NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `seq` int unsigned DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `payments` ADD `refunded_at` datetime(3);