CREATE TABLE `sale_buckets` (
	`sale_id` varchar(36) NOT NULL,
	`bucket` int unsigned NOT NULL,
	`allotment` int unsigned NOT NULL,
	CONSTRAINT `sale_buckets_sale_id_bucket_pk` PRIMARY KEY(`sale_id`,`bucket`)
);
--> statement-breakpoint
CREATE TABLE `stock_transfers` (
	`id` varchar(36) NOT NULL,
	`sale_id` varchar(36) NOT NULL,
	`from_bucket` int unsigned NOT NULL,
	`to_bucket` int unsigned NOT NULL,
	`units` int unsigned NOT NULL,
	`state` enum('taking','moved','void','done') NOT NULL,
	`created_at` datetime(3) NOT NULL,
	`updated_at` datetime(3) NOT NULL,
	CONSTRAINT `stock_transfers_id` PRIMARY KEY(`id`)
);
--> statement-breakpoint
ALTER TABLE `flash_sales` ADD `buckets` int unsigned DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `sale_buckets` ADD CONSTRAINT `sale_buckets_sale_id_flash_sales_id_fk` FOREIGN KEY (`sale_id`) REFERENCES `flash_sales`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE `stock_transfers` ADD CONSTRAINT `stock_transfers_sale_id_flash_sales_id_fk` FOREIGN KEY (`sale_id`) REFERENCES `flash_sales`(`id`) ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX `stock_transfers_state_idx` ON `stock_transfers` (`state`,`sale_id`);