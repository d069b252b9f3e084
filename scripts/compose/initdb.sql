CREATE DATABASE vanthu_peer OWNER vanthu;
