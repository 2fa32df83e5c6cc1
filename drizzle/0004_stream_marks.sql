CREATE TABLE `stream_marks` (
	`stream` varchar(191) NOT NULL,
	`last_id` varchar(41) NOT NULL,
	`updated_at` datetime(3) NOT NULL,
	CONSTRAINT `stream_marks_stream` PRIMARY KEY(`stream`)
);
