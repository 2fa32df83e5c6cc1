CREATE TABLE `redis_fences` (
	`stream` varchar(191) NOT NULL,
	`generation` varchar(128) NOT NULL,
	`updated_at` datetime(3) NOT NULL,
	CONSTRAINT `redis_fences_stream` PRIMARY KEY(`stream`)
);
